/**
 * Emulators of the services the notification returners post to, each checking a request as the real
 * service documents it (method, path, content type, where the token goes, required fields, limits) and
 * answering as the real service does, errors included. What breaks the documented contract is also
 * recorded in `violations`, which the tests assert empty. Sources: Slack's incoming-webhook and
 * chat.postMessage docs, Mattermost's incoming webhooks, Telegram's Bot API, Pushover's message API,
 * Splunk's HTTP Event Collector reference.
 */
import { json, type ReceivedRequest, type Service, type ServiceAnswer } from './https-receiver.js';

export interface Emulator<M> {
  service: Service;
  accepted: M[];
  violations: string[];
  /** The next `count` requests are rate limited, asking to wait `seconds`. */
  rateLimit: { count: number; seconds: number };
}

function emulator<M>(handle: (req: ReceivedRequest, self: Emulator<M>, violate: (why: string) => void) => ServiceAnswer): Emulator<M> {
  const self: Emulator<M> = { service: () => ({ status: 500, body: '' }), accepted: [], violations: [], rateLimit: { count: 0, seconds: 0 } };
  self.service = (req) => handle(req, self, (why) => self.violations.push(`${req.method} ${req.path.replace(/bot[^/]+/, 'bot…')}: ${why}`));
  return self;
}

const isForm = (req: ReceivedRequest) => (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
const isJson = (req: ReceivedRequest) => (req.headers['content-type'] ?? '').startsWith('application/json');
const text = (status: number, body: string, headers: Record<string, string> = {}): ServiceAnswer => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body });
/** Python's len() and the services' character counts: code points. */
const chars = (s: string) => [...s].length;

function takeRateLimit(self: Emulator<unknown>): boolean {
  if (self.rateLimit.count <= 0) return false;
  self.rateLimit.count--;
  return true;
}

/** Slack incoming webhook `POST /services/<T>/<B>/<secret>`: form `payload=<JSON>` (or JSON); answers `ok`. */
export function slackWebhook(hookPath: string, options: { revoked?: boolean } = {}): Emulator<{ attachments: Array<Record<string, unknown>> }> {
  return emulator((req, self, violate) => {
    if (req.method !== 'POST') return violate('not POST'), text(405, 'invalid_request');
    if (req.path !== hookPath) return text(404, 'no_service');
    if (options.revoked === true) return text(403, 'invalid_token');
    if (takeRateLimit(self)) return text(429, 'rate_limited', { 'retry-after': String(self.rateLimit.seconds) });
    let payload: unknown;
    try {
      payload = isForm(req) ? JSON.parse(new URLSearchParams(req.body).get('payload') ?? '') : isJson(req) ? JSON.parse(req.body) : undefined;
    } catch {
      payload = undefined;
    }
    if (payload === undefined) return violate('no payload form field or JSON body'), text(400, 'invalid_payload');
    const { text: body, attachments } = payload as { text?: unknown; attachments?: unknown };
    if (body === undefined && !Array.isArray(attachments)) return violate('neither text nor attachments'), text(400, 'no_text');
    if (Array.isArray(attachments) && attachments.length > 100) return text(400, 'too_many_attachments');
    self.accepted.push(payload as { attachments: Array<Record<string, unknown>> });
    return text(200, 'ok');
  });
}

/** Slack Web API `POST /api/chat.postMessage`: Bearer token, form or JSON; HTTP 200 `{ok, …}` for errors too. */
export function slackApi(token: string): Emulator<Record<string, string>> {
  let ts = 0;
  return emulator((req, self, violate) => {
    if (req.path !== '/api/chat.postMessage') return json(404, { ok: false, error: 'unknown_method' });
    if (req.method !== 'POST') return violate('not POST'), json(200, { ok: false, error: 'invalid_request' });
    const auth = req.headers.authorization;
    if (auth === undefined) return violate('no Authorization header'), json(200, { ok: false, error: 'not_authed' });
    if (auth !== `Bearer ${token}`) return json(200, { ok: false, error: 'invalid_auth' });
    if (takeRateLimit(self)) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(self.rateLimit.seconds) });
    if (!isForm(req)) violate(`content-type ${String(req.headers['content-type'])}`);
    const form = Object.fromEntries(new URLSearchParams(req.body));
    if (!form['channel']) return violate('no channel'), json(200, { ok: false, error: 'channel_not_found' });
    if (!form['text']) return violate('no text'), json(200, { ok: false, error: 'no_text' });
    if (chars(form['text']) > 40_000) return json(200, { ok: false, error: 'msg_too_long' });
    self.accepted.push(form);
    ts++;
    return json(200, { ok: true, channel: 'C0123456789', ts: `1700000000.${String(ts).padStart(6, '0')}`, message: { text: form['text'], type: 'message' } });
  });
}

/** Mattermost incoming webhook `POST /hooks/<id>`: JSON (or form `payload=`); answers `ok`, errors as `{id, message, status_code}`. */
export function mattermostHook(hookId: string): Emulator<{ text: string; channel?: string; username?: string }> {
  const error = (status: number, id: string, message: string) => json(status, { id, message, detailed_error: '', request_id: 'r1', status_code: status });
  return emulator((req, self, violate) => {
    if (req.method !== 'POST') return violate('not POST'), error(405, 'api.context.method_not_allowed', 'Method not allowed');
    if (req.path !== `/hooks/${hookId}`) return error(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.');
    if (takeRateLimit(self)) return error(429, 'api.context.rate_limit', 'too many requests');
    let payload: { text?: unknown } | undefined;
    try {
      payload = isJson(req) ? JSON.parse(req.body) : isForm(req) ? JSON.parse(new URLSearchParams(req.body).get('payload') ?? '') : undefined;
    } catch {
      payload = undefined;
    }
    if (payload === undefined) return violate('body is neither JSON nor payload='), error(400, 'web.incoming_webhook.parse.app_error', 'Unable to parse incoming data.');
    if (typeof payload.text !== 'string' || payload.text === '') return violate('no text'), error(400, 'web.incoming_webhook.text.app_error', 'No text specified.');
    self.accepted.push(payload as { text: string });
    return text(200, 'ok');
  });
}

/** Telegram Bot API `POST /bot<token>/sendMessage`: form or JSON `chat_id`, `text` (1-4096 characters). */
export function telegramBot(token: string, chatId: string): Emulator<Record<string, string>> {
  let messageId = 0;
  const fail = (status: number, description: string, extra: Record<string, unknown> = {}) => json(status, { ok: false, error_code: status, description, ...extra });
  return emulator((req, self, violate) => {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.path);
    if (match === null) return fail(404, 'Not Found');
    if (match[1] !== token) return fail(401, 'Unauthorized');
    if (match[2] !== 'sendMessage') return fail(404, 'Not Found: method not found');
    if (takeRateLimit(self)) return fail(429, `Too Many Requests: retry after ${self.rateLimit.seconds}`, { parameters: { retry_after: self.rateLimit.seconds } });
    if (!isForm(req) && !isJson(req)) violate(`content-type ${String(req.headers['content-type'])}`);
    const form: Record<string, string> = isJson(req) ? (JSON.parse(req.body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(req.body));
    if (!form['chat_id']) return violate('no chat_id'), fail(400, 'Bad Request: chat_id is empty');
    if (String(form['chat_id']) !== chatId) return fail(400, 'Bad Request: chat not found');
    if (!form['text']) return violate('no text'), fail(400, 'Bad Request: message text is empty');
    if (chars(form['text']) > 4096) return fail(400, 'Bad Request: message is too long');
    self.accepted.push(form);
    messageId++;
    return json(200, { ok: true, result: { message_id: messageId, chat: { id: Number(chatId), type: 'private' }, date: 1700000000, text: form['text'] } });
  });
}

/** Pushover `POST /1/messages.json`: JSON or form `token`, `user`, `message` (≤ 1024 characters), `title` (≤ 250). */
export function pushoverApi(token: string, user: string): Emulator<Record<string, unknown>> {
  const fail = (fields: Record<string, string>, errors: string[]) => json(400, { ...fields, errors, status: 0, request: 'e5c5c5c5-0000-4000-8000-000000000000' });
  return emulator((req, self, violate) => {
    if (req.method !== 'POST' || req.path !== '/1/messages.json') return violate(`unexpected ${req.method} ${req.path}`), json(404, { status: 0, errors: ['not found'] });
    if (!isJson(req) && !isForm(req)) violate(`content-type ${String(req.headers['content-type'])}`);
    const body: Record<string, unknown> = isJson(req) ? (JSON.parse(req.body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(req.body));
    if (body['token'] !== token) return fail({ token: 'invalid' }, ['application token is invalid']);
    if (body['user'] !== user) return fail({ user: 'invalid' }, ['user identifier is not a valid user, group, or subscribed user key']);
    const message = body['message'];
    if (typeof message !== 'string' || message === '') return violate('no message'), fail({ message: 'cannot be blank' }, ['message cannot be blank']);
    if (chars(message) > 1024) return fail({ message: 'is too long' }, ['message cannot be longer than 1024 characters']);
    if (typeof body['title'] === 'string' && chars(body['title']) > 250) return fail({ title: 'is too long' }, ['title cannot be longer than 250 characters']);
    for (const [key, value] of Object.entries(body)) if (value === 'None') violate(`${key} sent as 'None'`);
    self.accepted.push(body);
    return json(200, { status: 1, request: `r${self.accepted.length}` });
  });
}

/** Splunk HEC `POST /services/collector/event`: `Authorization: Splunk <token>`, JSON events with `event`; `max_content_length` as inputs.conf. */
export function splunkHec(token: string, options: { indexes?: string[]; maxContentLength?: number } = {}): Emulator<Record<string, unknown>> {
  const max = options.maxContentLength ?? 838_860_800;
  return emulator((req, self, violate) => {
    if (req.path !== '/services/collector/event' && req.path !== '/services/collector') return json(404, { text: 'The requested URL was not found on this server.', code: 404 });
    if (req.method !== 'POST') return violate('not POST'), json(400, { text: 'Invalid data format', code: 6 });
    const auth = req.headers.authorization;
    if (auth === undefined) return violate('no Authorization header'), json(401, { text: 'Token is required', code: 2 });
    if (auth !== `Splunk ${token}`) return json(403, { text: 'Invalid token', code: 4 });
    if (Buffer.byteLength(req.body) > max) return json(413, { text: `Content-Length of ${Buffer.byteLength(req.body)} too large (maximum is ${max})` });
    if (takeRateLimit(self)) return json(503, { text: 'Server is busy', code: 9 }, { 'retry-after': String(self.rateLimit.seconds) });
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return violate('body is not JSON'), json(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 });
    }
    if (!('event' in event)) return violate('no event field'), json(400, { text: 'Event field is required', code: 12, 'invalid-event-number': 0 });
    if (typeof event['index'] === 'string' && options.indexes !== undefined && !options.indexes.includes(event['index'])) {
      return json(400, { text: 'Incorrect index', code: 7, 'invalid-event-number': 0 });
    }
    if (event['time'] !== undefined && !/^\d+(\.\d+)?$/.test(String(event['time']))) violate(`time ${String(event['time'])}`);
    self.accepted.push(event);
    return json(200, { text: 'Success', code: 0 });
  });
}

/** The host ids of salt's chat message texts (`id: …\r\n…jid: …\r\n`) that are about `jid`, one per message. */
export function messageIds(texts: readonly string[], jid: string): string[] {
  const ids: string[] = [];
  for (const t of texts) {
    const match = /id: (.*?)\r\nfunction: [\s\S]*?\r\njid: (\d{20})\r\n/.exec(t);
    if (match?.[2] === jid && match[1] !== undefined) ids.push(match[1]);
  }
  return ids;
}
