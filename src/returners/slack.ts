/**
 * salt's `slack` returner (salt/returners/slack_returner.py): one Slack Web API `chat.postMessage`
 * per return.
 *
 * Config keys (salt's; `<return_config>.slack.*`, `--return_kwargs`): `slack.channel` ('#general'),
 * `slack.api_key`, `slack.username`, `slack.as_user` (salt requires all three, and as_user truthy),
 * `slack.profile` (a top-level mapping holding `slack.api_key` etc.), `slack.yaml_format` (the return
 * as YAML instead of pprint), `slack.only_show_failed` and `slack.changes` (both read by
 * src/delivery/alert-filter.ts as `slack.return_only` failed / changed, the one filter every returner
 * has). brine's: `slack.api_url` (default `https://slack.com/api/`), `slack.ca_file` (a PEM CA
 * besides Node's roots; or NODE_EXTRA_CA_CERTS).
 *
 * Sends: `POST <api_url>chat.postMessage`, `Authorization: Bearer <api_key>`,
 * `Content-Type: application/x-www-form-urlencoded`, form `channel`, `username`, `as_user` (Python's
 * `True`), `text` = "```" + salt's message (http/message.ts, return pformat'ed) + "```". Slack answers
 * HTTP 200 `{"ok": true, "channel", "ts"}` or `{"ok": false, "error": "…"}`: token and channel
 * errors (`invalid_auth`, `invalid_token`, `not_authed`, `channel_not_found`…) stop delivery to this
 * returner in one line with everything left pending; a message error (`msg_too_long`, `no_text`)
 * sets that return aside; 429 `ratelimited` waits for Retry-After; 5xx and connection errors retry.
 *
 * Deviations: salt logs an `ok: false` answer and reports success; brine keeps the return pending.
 * salt's `changes`/`only_show_failed` filter the states inside a state return (and crash in 3007);
 * brine filters whole returns with return_only. Delivery is at-least-once (http/notifier.ts).
 */
import { checkStatus, refused } from './http/answers.js';
import { createHttpClient } from './http/client.js';
import { codeBlock, saltMessage } from './http/message.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { baseUrl, caFileOf, optionsWithProfile, required } from './http/settings.js';
import type { ReturnerLoadContext } from './types.js';

const NAME = 'slack';

export const SLACK_OPTIONS = {
  channel: { kind: 'string', default: '#general' },
  api_key: { kind: 'string' },
  username: { kind: 'string' },
  as_user: { kind: 'bool' },
  profile: { kind: 'string' },
  yaml_format: { kind: 'bool', default: false },
  // read by the alert filter (return_only); listed so --return_kwargs and profiles accept them
  changes: { kind: 'bool' },
  only_show_failed: { kind: 'bool' },
  api_url: { kind: 'string', default: 'https://slack.com/api/' },
  ca_file: { kind: 'string' },
} as const;

/** Web API errors about the token, the app or the channel: the same for every message. */
const SETTINGS_ERRORS = new Set([
  'not_authed', 'invalid_auth', 'invalid_token', 'account_inactive', 'token_revoked', 'token_expired',
  'no_permission', 'missing_scope', 'not_allowed_token_type', 'org_login_required', 'ekm_access_denied',
  'team_access_not_granted', 'channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action',
  'restricted_action_read_only_channel', 'restricted_action_thread_only_channel', 'team_not_found',
]);
/** Errors about this message alone. */
const MESSAGE_ERRORS = new Set(['msg_too_long', 'no_text', 'too_many_attachments', 'invalid_blocks', 'invalid_attachments', 'invalid_arguments']);

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = optionsWithProfile(NAME, ctx.opts, ctx, SLACK_OPTIONS);
  const apiKey = required(o.api_key, `${NAME}.api_key`);
  const username = required(o.username, `${NAME}.username`);
  required(o.as_user === true ? true : undefined, `${NAME}.as_user`, 'must be True (salt sends nothing otherwise)');
  const channel = required(o.channel, `${NAME}.channel`);
  const url = new URL('chat.postMessage', baseUrl(o.api_url ?? '', `${NAME}.api_url`));
  const client = createHttpClient({ name: NAME, caFile: caFileOf(o.ca_file, `${NAME}.ca_file`) });
  const style = o.yaml_format === true ? 'yaml' : 'pformat';
  const what = `chat.postMessage at ${url.host}`;
  return createNotifier({
    name: NAME,
    client,
    async send(ret) {
      const body = new URLSearchParams({ channel, username, as_user: 'True', text: codeBlock(saltMessage(ret, style)) }).toString();
      const answer = await client.request({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      checkStatus(NAME, what, answer);
      let parsed: { ok?: unknown; error?: unknown };
      try {
        parsed = JSON.parse(answer.body) as typeof parsed;
      } catch {
        throw refused('transient', NAME, what, answer, 'the answer is not JSON');
      }
      if (parsed.ok === true) return;
      const error = typeof parsed.error === 'string' ? parsed.error : 'ok is not true';
      const scope = SETTINGS_ERRORS.has(error) ? 'returner' : MESSAGE_ERRORS.has(error) ? 'item' : 'transient';
      throw refused(scope, NAME, what, answer, error);
    },
  });
}
