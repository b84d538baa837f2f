/**
 * salt's `splunk` returner (saltext-splunk splunk.py): one Splunk HTTP Event Collector event per
 * return, and per event (event_return).
 *
 * Config keys (salt's; one mapping read with config.get, so no `--return_config`/`--return_kwargs`, as
 * salt): `splunk_http_forwarder: {token, indexer, sourcetype, index, verify_ssl: True}`; `token` and
 * `indexer` are required. brine's, in the same mapping: `ca_file` (a PEM CA besides Node's roots; or
 * NODE_EXTRA_CA_CERTS), and `indexer` may carry a port (`splunk.example.com:443`, Splunk Cloud's).
 * Any other key in the mapping is refused. `splunk.return_only` is the alert filter's.
 *
 * Sends: `POST https://<indexer>:8088/services/collector/event`, `Authorization: Splunk <token>`,
 * `Content-Type: application/json`, `{"time": "<epoch s>", "index"?, "sourcetype"?, "event": <the
 * whole return, or the event {tag, data}>, "host": <host id, or this machine for events>}`. HEC
 * answers `{"text": "Success", "code": 0}`, or `{"text", "code"}`: token errors (codes 1–4, HTTP
 * 401/403), `Incorrect index` (7) and data-channel errors (10, 11) stop delivery to this returner in
 * one line, everything left pending; a malformed or too large event (5, 6, 12, 13; HTTP 413) is set
 * aside; `Server is busy` (9, HTTP 503) and other 5xx retry.
 *
 * Deviations: salt never reads the answer (a bad token loses every return silently); brine does.
 * salt stamps `time` when it sends and `host` with the sender's name; brine sends the return's own
 * time (`_stamp`: a late delivery keeps it) and its host id. Delivery is at-least-once.
 */
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';
import type { HostReturn } from '../core/job.js';
import { bodyExcerpt, RateLimited, refused, retryAfterHeader, statusScope } from './http/answers.js';
import { createHttpClient, type HttpAnswer } from './http/client.js';
import { createNotifier, type Notifier } from './http/notifier.js';
import { caFileOf, required } from './http/settings.js';
import { returnerOptions } from './options.js';
import type { ReturnerLoadContext, SaltEvent } from './types.js';

const NAME = 'splunk';
const KEY = 'splunk_http_forwarder';

export const SPLUNK_OPTIONS = {
  token: { kind: 'string' },
  indexer: { kind: 'string' },
  sourcetype: { kind: 'string' },
  index: { kind: 'string' },
  verify_ssl: { kind: 'bool', default: true },
  ca_file: { kind: 'string' },
} as const;

const SETTINGS_CODES = new Set([1, 2, 3, 4, 7, 10, 11, 14]);
const EVENT_CODES = new Set([5, 6, 12, 13]);

function readMapping(opts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const mapping = opts[KEY];
  if (mapping === undefined || mapping === null) throw new ConfigError(`${KEY}: is required (a mapping with token and indexer)`);
  if (typeof mapping !== 'object' || Array.isArray(mapping)) throw new ConfigError(`${KEY}: expected a mapping with token and indexer`);
  for (const key of Object.keys(mapping)) {
    if (!Object.hasOwn(SPLUNK_OPTIONS, key)) throw new ConfigError(`${KEY}.${key}: not a splunk setting (valid: ${Object.keys(SPLUNK_OPTIONS).join(', ')})`);
  }
  return mapping as Record<string, unknown>;
}

export function collectorUrl(indexer: string): URL {
  let url: URL;
  try {
    url = new URL(`https://${indexer}`);
  } catch {
    throw new ConfigError(`${KEY}.indexer: not a host name: '${indexer.slice(0, 200)}'`);
  }
  if (url.pathname !== '/' || url.username !== '' || indexer.includes('/')) throw new ConfigError(`${KEY}.indexer: expected a host or host:port, got '${indexer.slice(0, 200)}'`);
  // an explicit :443 reads back as '' from URL: decide on the text
  if (!/^(?:\[[^\]]+\]|[^:]+):\d+$/.test(indexer)) url.port = '8088';
  url.pathname = '/services/collector/event';
  return url;
}

function epochSeconds(stamp: string): string {
  const ms = Date.parse(stamp.endsWith('Z') ? stamp : `${stamp.slice(0, 23)}Z`);
  return String(Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000));
}

function check(answer: HttpAnswer, what: string): void {
  let code: number | undefined;
  let text = bodyExcerpt(answer.body);
  try {
    const parsed = JSON.parse(answer.body) as { code?: unknown; text?: unknown };
    if (typeof parsed.code === 'number') code = parsed.code;
    if (typeof parsed.text === 'string') text = `${parsed.text} (code ${String(parsed.code)})`;
  } catch {
    // not HEC's JSON (a proxy's page): the status decides
  }
  if (answer.status >= 200 && answer.status < 300 && (code === undefined || code === 0)) return;
  if (answer.status === 503 || answer.status === 429) throw new RateLimited(retryAfterHeader(answer) ?? 1, `${NAME}: ${what} busy: ${text}`);
  const byStatus = statusScope(answer.status);
  const scope = code !== undefined && SETTINGS_CODES.has(code) ? 'returner' : code !== undefined && EVENT_CODES.has(code) ? 'item' : byStatus === 'ok' ? 'transient' : byStatus;
  throw refused(scope, NAME, what, answer, text || 'no answer');
}

export function createReturner(ctx: ReturnerLoadContext): Notifier {
  const o = returnerOptions(KEY, { [KEY]: readMapping(ctx.opts) }, {}, SPLUNK_OPTIONS);
  const token = required(o.token, `${KEY}.token`);
  const url = collectorUrl(required(o.indexer, `${KEY}.indexer`));
  const client = createHttpClient({ name: NAME, verify: o.verify_ssl !== false, caFile: caFileOf(o.ca_file, `${KEY}.ca_file`) });
  const what = `HEC at ${url.host}`;
  const post = async (time: string, event: unknown, host: string): Promise<void> => {
    const body = JSON.stringify({
      time,
      ...(o.index === undefined ? {} : { index: o.index }),
      ...(o.sourcetype === undefined ? {} : { sourcetype: o.sourcetype }),
      event,
      host,
    });
    const answer = await client.request({
      method: 'POST',
      url,
      headers: { authorization: `Splunk ${token}`, 'content-type': 'application/json' },
      body,
    });
    check(answer, what);
  };
  return createNotifier({
    name: NAME,
    client,
    send: (ret: HostReturn) => post(epochSeconds(ret._stamp), ret, ret.id),
    sendEvent: (event: SaltEvent) => post(String(Math.floor(Date.now() / 1000)), event, hostname()),
  });
}
