/**
 * salt's `slack_webhook` returner (salt/returners/slack_webhook_return.py): one Slack incoming-webhook
 * message per return.
 *
 * Config keys (salt's, via returnerOptions; `<return_config>.slack_webhook.*`, `--return_kwargs`):
 * `slack_webhook.webhook` (required: the part after `https://hooks.slack.com/services/`, or a full
 * URL, which salt's urljoin also accepts: that is how the tests reach a local receiver),
 * `success_title` ('{id} | Succeeded'), `failure_title` ('{id} | Failed'), `author_icon` (''),
 * `show_tasks` (False). brine's: `slack_webhook.ca_file` (a PEM CA to trust besides Node's roots;
 * or NODE_EXTRA_CA_CERTS), `slack_webhook.return_only` (src/delivery/alert-filter.ts).
 *
 * Sends: `POST <webhook URL>`, `Content-Type: application/x-www-form-urlencoded`, body
 * `payload=<url-encoded JSON {"attachments": […]}>` (http/slack-attachments.ts). Slack answers 200 `ok`;
 * its documented errors map onto delivery: `invalid_token`, `no_service`, `channel_not_found`,
 * `channel_is_archived`, `action_prohibited`… stop delivery to this returner (everything stays
 * pending, one line); another 400 (`invalid_payload`, `no_text`, `too_many_attachments`) sets that
 * message aside; 429 waits for Retry-After; 5xx and connection errors are retried.
 *
 * Deviations: salt-ssh fills `{id}` in the titles from the master's grains; brine uses the host's id.
 * salt's event_return posts every event as a failed-looking card (its filter is wrong): brine has
 * no event_return here. Delivery is at-least-once (http/notifier.ts).
 */
import { ConfigError } from '../errors.js';
import { bodyExcerpt, checkStatus, refused } from './http/answers.js';
import { createHttpClient } from './http/client.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { webhookPayload, type WebhookLook } from './http/slack-attachments.js';
import { caFileOf, required } from './http/settings.js';
import { returnerOptions } from './options.js';
import type { ReturnerLoadContext } from './types.js';

const NAME = 'slack_webhook';
const SLACK_HOOKS = 'https://hooks.slack.com/services/';

export const SLACK_WEBHOOK_OPTIONS = {
  webhook: { kind: 'string' },
  success_title: { kind: 'string', default: '{id} | Succeeded' },
  failure_title: { kind: 'string', default: '{id} | Failed' },
  author_icon: { kind: 'string', default: '' },
  show_tasks: { kind: 'bool', default: false },
  ca_file: { kind: 'string' },
} as const;

/** Slack's webhook errors that no retry of any message can fix: the hook, channel or workspace is wrong. */
const SETTINGS_ERRORS = new Set([
  'invalid_token', 'no_service', 'no_service_id', 'no_team', 'team_disabled', 'channel_not_found',
  'channel_is_archived', 'action_prohibited', 'posting_to_general_channel_denied', 'user_not_found',
]);

export function webhookUrl(webhook: string): URL {
  try {
    return new URL(webhook, SLACK_HOOKS);
  } catch {
    throw new ConfigError(`${NAME}.webhook: not a webhook id or URL: '${webhook.slice(0, 200)}'`);
  }
}

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = returnerOptions(NAME, ctx.opts, ctx, SLACK_WEBHOOK_OPTIONS);
  const url = webhookUrl(required(o.webhook, `${NAME}.webhook`, 'is required (the part after https://hooks.slack.com/services/, or the whole URL)'));
  const look: WebhookLook = {
    successTitle: o.success_title ?? '',
    failureTitle: o.failure_title ?? '',
    authorIcon: o.author_icon ?? '',
    showTasks: o.show_tasks ?? false,
  };
  const client = createHttpClient({ name: NAME, caFile: caFileOf(o.ca_file, `${NAME}.ca_file`) });
  return createNotifier({
    name: NAME,
    client,
    async send(ret) {
      const body = new URLSearchParams({ payload: JSON.stringify(webhookPayload(ret, look)) }).toString();
      const answer = await client.request({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const error = answer.body.trim();
      if (answer.status !== 200 && SETTINGS_ERRORS.has(error)) throw refused('returner', NAME, `webhook ${url.host}`, answer, error);
      checkStatus(NAME, `webhook ${url.host}`, answer);
      if (error !== 'ok' && error !== '') throw refused('transient', NAME, `webhook ${url.host}`, answer, bodyExcerpt(error));
    },
  });
}
