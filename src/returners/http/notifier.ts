/**
 * The delivery side shared by the notification returners: one message per return (and per event),
 * sent one after the other so they arrive in order and within the service's rate limits, on one
 * kept-alive connection. A chat message cannot be taken back, so the returner remembers what it sent:
 * when the forwarder retries a batch (a later message failed, or a refused one is being narrowed
 * down), the messages already sent are not sent again. A crash between a send and the queue's commit
 * can still repeat one message: notifications are at-least-once, as salt's are.
 *
 * Rate limits: a service that asks to wait (HTTP 429, Retry-After, Telegram's `retry_after`) is
 * waited for when the wait fits in the call's budget (`budgetMs`, below the forwarder's 8 s per-call
 * deadline); a longer wait leaves the batch pending with that reason, and until it has passed the
 * returner does not call the service again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostReturn } from '../../core/job.js';
import { ReturnerError } from '../failure.js';
import type { Returner, SaltEvent } from '../types.js';
import { RateLimited } from './answers.js';
import type { HttpClient } from './client.js';

/** How long one returner call may spend sending and waiting out rate limits. */
export const CALL_BUDGET_MS = 5_000;
/** Sent messages remembered for retries; the oldest are forgotten past this. */
const REMEMBERED = 100_000;

export interface NotifierSpec {
  name: string;
  client: HttpClient;
  /** Sends one return's message; resolves once the service accepted it; throws RateLimited or a ReturnerError. */
  send(ret: HostReturn): Promise<void>;
  /** salt's event_return for this service, when salt has one: one message per event. */
  sendEvent?(event: SaltEvent): Promise<void>;
  budgetMs?: number;
  now?: () => number;
}

export interface Notifier extends Returner {
  /** Connections the returner's client opened so far (bench). */
  connectionsOpened(): number;
}

export function createNotifier(spec: NotifierSpec): Notifier {
  const { name, client } = spec;
  const budgetMs = spec.budgetMs ?? CALL_BUDGET_MS;
  const now = spec.now ?? Date.now;
  const sent = new Set<string>();
  /** Set by a rate limit longer than a call's budget: no request before this time. */
  let notBefore = 0;
  let waitReason = '';

  const remember = (key: string): void => {
    sent.add(key);
    if (sent.size > REMEMBERED) sent.delete(sent.values().next().value as string);
  };

  /** Sends `message` once, waiting out rate limits that fit before `deadline`. */
  async function deliver(key: string, message: () => Promise<void>, deadline: number): Promise<void> {
    if (sent.has(key)) return;
    for (;;) {
      const waitMs = notBefore - now();
      if (waitMs > 0) {
        if (now() + waitMs > deadline) throw new ReturnerError('transient', `${waitReason} (${Math.ceil(waitMs / 1000)} s left)`);
        await sleep(waitMs, undefined, { ref: false });
      }
      if (now() > deadline) throw new ReturnerError('transient', `${name}: call budget of ${budgetMs / 1000}s spent; the rest waits for the next try`);
      try {
        await message();
        remember(key);
        return;
      } catch (err) {
        if (!(err instanceof RateLimited)) throw err;
        notBefore = now() + err.seconds * 1000;
        waitReason = err.message;
      }
    }
  }

  const notifier: Notifier = {
    name,
    capabilities: { jobCache: false, events: spec.sendEvent !== undefined, retention: false },
    async returner(rets: readonly HostReturn[]) {
      const deadline = now() + budgetMs;
      for (const ret of rets) await deliver(`${ret.jid}\0${ret.id}`, () => spec.send(ret), deadline);
    },
    connectionsOpened: () => client.connectionsOpened(),
    close() {
      client.close();
      return Promise.resolve();
    },
  };
  const sendEvent = spec.sendEvent?.bind(spec);
  if (sendEvent !== undefined) {
    notifier.eventReturn = async (events: readonly SaltEvent[]) => {
      const deadline = now() + budgetMs;
      for (const event of events) await deliver(`event\0${event.tag}`, () => sendEvent(event), deadline);
    };
  }
  return notifier;
}
