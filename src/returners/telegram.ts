/**
 * salt's `telegram` returner (saltext-telegram telegram_return.py): one Bot API `sendMessage` per return.
 *
 * Config keys (salt's; `<return_config>.telegram.*`, `--return_kwargs`): `telegram.chat_id`,
 * `telegram.token` (both required). brine's: `telegram.api_url` (default `https://api.telegram.org/`),
 * `telegram.ca_file` (a PEM CA besides Node's roots; or NODE_EXTRA_CA_CERTS),
 * `telegram.return_only` (src/delivery/alert-filter.ts).
 *
 * Sends: `POST <api_url>bot<token>/sendMessage`, `Content-Type: application/x-www-form-urlencoded`,
 * form `chat_id`, `text` = salt's message (http/message.ts) with `str(return)`. The Bot API answers
 * `{"ok": true, "result": {…}}`, or `{"ok": false, "error_code", "description", "parameters"?}`:
 * 401 Unauthorized, 403 (bot blocked, kicked), 404 (bad token) and 400 `chat not found` stop delivery
 * to this returner in one line, everything left pending; another 400 (`message is too long`: over
 * 4096 characters) sets that message aside; 429 `Too Many Requests` waits `parameters.retry_after`
 * seconds when that fits in the call's budget, else leaves the messages pending with that reason
 * and sends nothing more until the time has passed; 5xx and connection errors retry.
 *
 * Deviations: salt logs a refused message and reports success; brine keeps it pending or sets it
 * aside (listed by `salt-run returners.pending telegram`). At-least-once (http/notifier.ts).
 */
import { ConfigError } from '../errors.js';
import { bodyExcerpt, RateLimited, refused, statusScope } from './http/answers.js';
import { createHttpClient, type HttpAnswer } from './http/client.js';
import { saltMessage } from './http/message.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { baseUrl, caFileOf, required } from './http/settings.js';
import { returnerOptions } from './options.js';
import type { ReturnerLoadContext } from './types.js';

const NAME = 'telegram';

export const TELEGRAM_OPTIONS = {
  chat_id: { kind: 'string' },
  token: { kind: 'string' },
  api_url: { kind: 'string', default: 'https://api.telegram.org/' },
  ca_file: { kind: 'string' },
} as const;

interface BotAnswer {
  ok?: unknown;
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown };
}

/** 400s about the chat, not the message. */
const CHAT_ERRORS = /chat not found|chat_id is empty|group chat was (?:upgraded|deactivated)|need administrator rights|not enough rights/i;

function check(answer: HttpAnswer, what: string): void {
  let parsed: BotAnswer | undefined;
  try {
    parsed = JSON.parse(answer.body) as BotAnswer;
  } catch {
    parsed = undefined;
  }
  if (answer.status === 200 && parsed?.ok === true) return;
  const description = typeof parsed?.description === 'string' ? parsed.description : bodyExcerpt(answer.body) || 'no description';
  if (answer.status === 429) {
    const after = Number(parsed?.parameters?.retry_after ?? answer.headers['retry-after'] ?? 1);
    throw new RateLimited(Number.isFinite(after) && after >= 0 ? after : 1, `${NAME}: ${what} rate limited: ${description}`);
  }
  const byStatus = statusScope(answer.status);
  const scope = byStatus === 'item' && CHAT_ERRORS.test(description) ? 'returner' : byStatus === 'ok' ? 'transient' : byStatus;
  throw refused(scope, NAME, what, answer, description);
}

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = returnerOptions(NAME, ctx.opts, ctx, TELEGRAM_OPTIONS);
  const chatId = required(o.chat_id, `${NAME}.chat_id`);
  const token = required(o.token, `${NAME}.token`);
  // a bot token is <digits>:<base64url>; anything else would change the request path
  if (!/^[\w:-]+$/.test(token)) throw new ConfigError(`${NAME}.token: not a Telegram bot token (expected <digits>:<letters, digits, _ and ->)`);
  const api = baseUrl(o.api_url ?? '', `${NAME}.api_url`);
  // ./ first: the token holds a colon, which would otherwise read as a URL scheme
  const url = new URL(`./bot${token}/sendMessage`, api);
  const client = createHttpClient({ name: NAME, caFile: caFileOf(o.ca_file, `${NAME}.ca_file`) });
  // never the URL itself in an error: it holds the token
  const what = `sendMessage at ${url.host}`;
  return createNotifier({
    name: NAME,
    client,
    async send(ret) {
      const body = new URLSearchParams({ chat_id: chatId, text: saltMessage(ret, 'str') }).toString();
      const answer = await client.request({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      check(answer, what);
    },
  });
}
