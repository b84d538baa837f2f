/**
 * salt's `pushover` returner (salt 3007 pushover_returner.py / saltext-pushover 2.x): one Pushover
 * message per return.
 *
 * Config keys (salt's; `<return_config>.pushover.*`, `--return_kwargs`): `pushover.user`,
 * `pushover.token` (both required), `pushover.device`, `pushover.title` ('Message from Salt'),
 * `pushover.priority` (-2..2; 2 needs `expire` and `retry`), `pushover.expire` (≤ 10800),
 * `pushover.retry` (≥ 30), `pushover.sound`, `pushover.api_version` (1), `pushover.profile` (a
 * top-level mapping holding `pushover.user` etc.). brine's: `pushover.api_url` (default
 * `https://api.pushover.net/`), `pushover.ca_file` (a PEM CA besides Node's roots; or
 * NODE_EXTRA_CA_CERTS), `pushover.return_only` (src/delivery/alert-filter.ts).
 *
 * Sends, as saltext-pushover 2.x: `POST <api_url><api_version>/messages.json`, `Content-Type:
 * application/json`, `{"token", "user", "message", "title", "device"?, "priority"?, "sound"?,
 * "retry"?, "expire"?}` (unset ones left out); message = salt's text (http/message.ts) with the return
 * pformat'ed. Pushover answers `{"status": 1, "request"}`, or 4xx `{"status": 0, "errors": […],
 * "token"|"user"|"device": "invalid"?}`: an invalid token, user or device, and 429 (the application's
 * monthly limit), stop delivery to this returner in one line with everything left pending; another
 * 4xx (`message cannot be longer than 1024 characters`) sets that message aside; 5xx and connection
 * errors retry.
 *
 * Deviations: salt 3007 first calls users/validate.json (and sounds.json) per message and sends unset
 * fields as the string 'None'; brine follows 2.x (one request; Pushover checks the user itself).
 * At-least-once (http/notifier.ts).
 */
import { ConfigError } from '../errors.js';
import { bodyExcerpt, refused, statusScope } from './http/answers.js';
import { createHttpClient, type HttpAnswer } from './http/client.js';
import { saltMessage } from './http/message.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { baseUrl, caFileOf, optionsWithProfile, required } from './http/settings.js';
import type { ReturnerLoadContext } from './types.js';

const NAME = 'pushover';

export const PUSHOVER_OPTIONS = {
  user: { kind: 'string' },
  token: { kind: 'string' },
  device: { kind: 'string' },
  title: { kind: 'string', default: 'Message from Salt' },
  priority: { kind: 'int' },
  expire: { kind: 'int' },
  retry: { kind: 'int' },
  sound: { kind: 'string' },
  api_version: { kind: 'string', default: '1' },
  profile: { kind: 'string' },
  api_url: { kind: 'string', default: 'https://api.pushover.net/' },
  ca_file: { kind: 'string' },
} as const;

interface PushoverAnswer {
  status?: unknown;
  errors?: unknown;
  token?: unknown;
  user?: unknown;
  device?: unknown;
}

function check(answer: HttpAnswer, what: string): void {
  let parsed: PushoverAnswer | undefined;
  try {
    parsed = JSON.parse(answer.body) as PushoverAnswer;
  } catch {
    parsed = undefined;
  }
  if (answer.status === 200 && parsed?.status === 1) return;
  const errors = Array.isArray(parsed?.errors) ? parsed.errors.map(String).join('; ') : bodyExcerpt(answer.body) || 'no answer';
  const isSettings = parsed?.token === 'invalid' || parsed?.user === 'invalid' || parsed?.device === 'invalid' || answer.status === 429;
  const byStatus = statusScope(answer.status);
  const scope = isSettings ? 'returner' : byStatus === 'ok' ? 'transient' : byStatus;
  throw refused(scope, NAME, what, answer, errors);
}

function checkPriority(priority: number | undefined, retry: number | undefined, expire: number | undefined): void {
  if (priority === undefined) return;
  if (priority < -2 || priority > 2) throw new ConfigError(`${NAME}.priority: expected -2 to 2, got ${priority}`);
  if (priority !== 2) return;
  if (retry === undefined || retry < 30) throw new ConfigError(`${NAME}.retry: priority 2 needs retry of at least 30 seconds`);
  if (expire === undefined || expire > 10_800) throw new ConfigError(`${NAME}.expire: priority 2 needs expire of at most 10800 seconds`);
}

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = optionsWithProfile(NAME, ctx.opts, ctx, PUSHOVER_OPTIONS);
  const user = required(o.user, `${NAME}.user`);
  const token = required(o.token, `${NAME}.token`);
  checkPriority(o.priority, o.retry, o.expire);
  const version = o.api_version ?? '1';
  if (!/^\d+$/.test(version)) throw new ConfigError(`${NAME}.api_version: expected a number, got '${version.slice(0, 200)}'`);
  const url = new URL(`${version}/messages.json`, baseUrl(o.api_url ?? '', `${NAME}.api_url`));
  const client = createHttpClient({ name: NAME, caFile: caFileOf(o.ca_file, `${NAME}.ca_file`) });
  const what = `messages.json at ${url.host}`;
  const optional = {
    ...(o.device === undefined ? {} : { device: o.device }),
    ...(o.priority === undefined ? {} : { priority: o.priority }),
    ...(o.sound === undefined ? {} : { sound: o.sound }),
    ...(o.retry === undefined ? {} : { retry: o.retry }),
    ...(o.expire === undefined ? {} : { expire: o.expire }),
  };
  return createNotifier({
    name: NAME,
    client,
    async send(ret) {
      const body = JSON.stringify({ token, user, message: saltMessage(ret, 'pformat'), title: o.title ?? 'Message from Salt', ...optional });
      const answer = await client.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
      check(answer, what);
    },
  });
}
