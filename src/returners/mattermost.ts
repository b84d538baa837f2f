/**
 * salt's `mattermost` returner (salt/returners/mattermost_returner.py): one incoming-webhook post per
 * return, and per event (event_return).
 *
 * Config keys (salt's; `<return_config>.mattermost.*`, `--return_kwargs`): `mattermost.hook`
 * (required), `mattermost.api_url` (required: the server, e.g. `https://chat.example.com`),
 * `mattermost.channel`, `mattermost.username`. brine's: `mattermost.ca_file` (a PEM CA besides
 * Node's roots; or NODE_EXTRA_CA_CERTS), `mattermost.return_only` (src/delivery/alert-filter.ts).
 *
 * Sends: `POST <server>/hooks/<hook>` (salt's urljoin drops any path of api_url; so does brine),
 * `Content-Type: application/json`, body `{"channel"?, "username"?, "text": "```<message>```"}`,
 * the message salt's (http/message.ts) with `str(return)`. Events: text `tag: <tag>\r\n` then
 * `<key>: <str(value)>\r\n` per data item. Mattermost answers 200 `ok`, or a JSON error
 * `{"id": "web.incoming_webhook.…", "message", "status_code"}`: an unknown or disabled hook
 * (`web.incoming_webhook.invalid.app_error`, 401/403/404) stops delivery to this returner in one
 * line, everything left pending; another 400 sets the message aside; 429 waits for Retry-After
 * (or X-Ratelimit-Reset); 5xx and connection errors retry.
 *
 * Deviations: salt posts `payload=<JSON>` without URL-encoding it, so `&`, `+` and `%` in a return
 * are mangled; brine posts the same JSON as `application/json`, which Mattermost documents.
 * salt treats any answer as success; brine keeps a refused message pending. At-least-once.
 */
import type { SaltEvent } from './types.js';
import { bodyExcerpt, checkStatus, RateLimited, refused } from './http/answers.js';
import { createHttpClient, type HttpAnswer } from './http/client.js';
import { codeBlock, saltMessage } from './http/message.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { baseUrl, caFileOf, required } from './http/settings.js';
import { returnerOptions } from './options.js';
import { pyStr } from '../salt/python.js';
import type { ReturnerLoadContext } from './types.js';

const NAME = 'mattermost';

export const MATTERMOST_OPTIONS = {
  hook: { kind: 'string' },
  api_url: { kind: 'string' },
  channel: { kind: 'string' },
  username: { kind: 'string' },
  ca_file: { kind: 'string' },
} as const;

/** Mattermost's error ids that mean the hook itself is unusable. */
const HOOK_ERRORS = /incoming_webhook\.(?:invalid|disabled|permissions)|channel\.(?:not_found|deleted)|api\.context\.permissions/;

function eventText(event: SaltEvent): string {
  let text = `tag: ${event.tag}\r\n`;
  for (const [key, value] of Object.entries(event.data)) text += `${key}: ${pyStr(value)}\r\n`;
  return text;
}

function check(answer: HttpAnswer, what: string): void {
  if (answer.status === 429 && answer.headers['retry-after'] === undefined) {
    const reset = Number(answer.headers['x-ratelimit-reset'] ?? 1);
    throw new RateLimited(Number.isFinite(reset) && reset > 0 ? reset : 1, `${NAME}: ${what} rate limited (HTTP 429)`);
  }
  if (answer.status >= 400 && answer.status < 500) {
    let id = '';
    try {
      id = String((JSON.parse(answer.body) as { id?: unknown }).id ?? '');
    } catch {
      // a proxy's page, not Mattermost's JSON: the status decides
    }
    if (HOOK_ERRORS.test(id)) throw refused('returner', NAME, what, answer, `${id}: ${bodyExcerpt(answer.body)}`);
  }
  checkStatus(NAME, what, answer);
}

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = returnerOptions(NAME, ctx.opts, ctx, MATTERMOST_OPTIONS);
  const hook = required(o.hook, `${NAME}.hook`);
  const server = baseUrl(required(o.api_url, `${NAME}.api_url`, 'is required (the Mattermost server URL)'), `${NAME}.api_url`);
  const url = new URL(`/hooks/${encodeURIComponent(hook)}`, server);
  const client = createHttpClient({ name: NAME, caFile: caFileOf(o.ca_file, `${NAME}.ca_file`) });
  const what = `hook at ${url.host}`;
  const post = async (text: string): Promise<void> => {
    const payload = {
      ...(o.channel === undefined ? {} : { channel: o.channel }),
      ...(o.username === undefined ? {} : { username: o.username }),
      text,
    };
    const answer = await client.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    check(answer, what);
  };
  return createNotifier({
    name: NAME,
    client,
    send: (ret) => post(codeBlock(saltMessage(ret, 'str'))),
    sendEvent: (event) => post(eventText(event)),
  });
}
