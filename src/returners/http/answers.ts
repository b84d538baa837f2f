/**
 * What a service's answer means for delivery: accepted, refused for this message only (`item`: too
 * long, malformed; set aside), refused for every message (`returner`: bad token, unknown chat or
 * channel; stop and keep everything pending), rate limited (wait as long as the service asks), or
 * a passing trouble (`transient`: 5xx, connection). Each returner maps its service's documented
 * errors onto these; `statusScope` is the default for a bare HTTP status.
 */
import { ReturnerError, type FailureScope } from '../failure.js';
import type { HttpAnswer } from './client.js';

/** The service asked us to wait `seconds` before sending again (HTTP 429, Retry-After, Telegram's retry_after). */
export class RateLimited extends Error {
  constructor(
    readonly seconds: number,
    readonly reason: string,
  ) {
    super(`${reason}; the service asks to retry after ${seconds} s`);
    this.name = 'RateLimited';
  }
}

/** 2xx accepted; 400/413/422 this message; 401/403/404/410 the returner's settings; anything else passing. */
export function statusScope(status: number): FailureScope | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 400 || status === 413 || status === 422) return 'item';
  if (status === 401 || status === 403 || status === 404 || status === 410) return 'returner';
  return 'transient';
}

/** The `Retry-After` header in seconds (delta form; an HTTP date is converted), or undefined. */
export function retryAfterHeader(answer: HttpAnswer, now = Date.now()): number | undefined {
  const value: string | undefined = answer.headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The first 200 characters of a body, on one line, for an error message. */
export function bodyExcerpt(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** One error for a refused answer: `slack: chat.postMessage refused (HTTP 200): invalid_auth`. */
export function refused(scope: FailureScope, name: string, what: string, answer: HttpAnswer, detail: string): ReturnerError {
  return new ReturnerError(scope, `${name}: ${what} refused (HTTP ${answer.status}): ${detail}`);
}

/**
 * The default reading of an answer whose body is not the service's own error document: a 429 is
 * RateLimited (Retry-After, else 1 s), a 2xx resolves, anything else throws with `statusScope`.
 */
export function checkStatus(name: string, what: string, answer: HttpAnswer): void {
  if (answer.status === 429) throw new RateLimited(retryAfterHeader(answer) ?? 1, `${name}: ${what} rate limited (HTTP 429)`);
  const scope = statusScope(answer.status);
  if (scope !== 'ok') throw refused(scope, name, what, answer, bodyExcerpt(answer.body) || 'no body');
}
