/**
 * salt's `carbon` returner (salt/returners/carbon_return.py): the numbers in each return as Graphite
 * metrics, to carbon's plaintext (2003) or pickle (2004) receiver.
 *
 * Config keys (salt's, via returnerOptions, flat `carbon.host` or nested `carbon: {host: …}`):
 * `carbon.host`, `carbon.port` (both required: salt has no default), `carbon.skip_on_error` (False:
 * a value that is not a number fails the return; `--return_kwargs` also takes salt's internal name
 * `skip`), `carbon.mode` (`text` or `pickle`), `carbon.metric_base_pattern`
 * (`[module].[function].[minion_id]`; tokens `[module]`, `[function]`, `[minion_id]`).
 *
 * Metrics: `<base>.<key>…` per number in the return, base from the pattern (`virt.*` functions: the
 * function alone, as salt), the minion id with `.` → `_`; mappings add `.<key>`, lists `.<item>`;
 * True/False/"42" count as 1.0/0.0/42.0. Time: the return's `_stamp` (whole seconds).
 * event_return (salt's): base = the event tag (`/` → `.`), values from the event's `data.data`, non-numbers
 * always skipped; brine's job events carry no `data.data`, so they send nothing, as in salt.
 *
 * Deviations from salt: salt stamps "now"; brine sends the return's own time, so a redelivered return
 * overwrites the same whisper slot instead of adding a point; salt's text mode is broken on Python 3, brine's
 * works; salt documents metric_base_pattern and ignores it, brine honours it; path segments are sanitised
 * (whitespace, `/`, `\`, quotes, `,;()[]{}*?` and control characters → `_`, no empty level), where salt
 * sends them raw (a space breaks a plaintext line, `/` makes whisper directories); a list item that is a
 * mapping or list is named by its index (salt puts its Python repr in the path); one connection per batch,
 * with a 5 s deadline. Carbon never answers, so delivery ends when carbon has read everything and closed.
 */
import { createConnection } from 'node:net';
import type { HostReturn } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { generateJid } from '../salt/jid.js';
import { isPlainObject } from '../salt/python.js';
import { walkMetrics, pathSegment, picklePayload, textPayload, type Metric } from './carbon-metrics.js';
import { ReturnerError } from './failure.js';
import { stampMicros } from './influxdb-line.js';
import { returnerOptions } from './options.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

export const CARBON_OPTIONS = {
  host: { kind: 'string' },
  port: { kind: 'int' },
  skip_on_error: { kind: 'bool', default: false },
  mode: { kind: 'string', default: 'text' },
  metric_base_pattern: { kind: 'string', default: '[module].[function].[minion_id]' },
} as const;

const CALL_MS = 5_000;

/** The metric base of a return: the pattern with its tokens filled, sanitised. */
export function metricBase(pattern: string, fun: string, id: string): string {
  if (fun.startsWith('virt.')) return pathSegment(fun);
  const dot = fun.indexOf('.');
  const tokens: Record<string, string> = {
    '[module]': pathSegment(dot < 0 ? fun : fun.slice(0, dot)),
    '[function]': pathSegment(dot < 0 ? '' : fun.slice(dot + 1)),
    '[minion_id]': pathSegment(id.replace(/\./g, '_')),
  };
  return pattern.replace(/\[(module|function|minion_id)\]/g, (token) => tokens[token] ?? token);
}

const seconds = (stamp: unknown, now: () => Date): number => {
  const micros = typeof stamp === 'string' ? stampMicros(stamp) : undefined;
  return micros === undefined ? Math.floor(now().getTime() / 1000) : Number(micros / 1_000_000n);
};

export function createReturner(ctx: ReturnerLoadContext): Returner {
  const kwargs = ctx.returnKwargs;
  // salt's own internal name for skip_on_error in --return_kwargs
  const sources = kwargs !== undefined && 'skip' in kwargs && !('skip_on_error' in kwargs) ? { ...ctx, returnKwargs: { ...kwargs, skip_on_error: kwargs['skip'] } } : ctx;
  const o = returnerOptions('carbon', ctx.opts, sources, CARBON_OPTIONS);
  if (o.host === undefined || o.port === undefined) {
    throw new ConfigError(`carbon.host and carbon.port: ${o.host === undefined ? 'carbon.host' : 'carbon.port'} is not set (carbon listens on 2003 for text, 2004 for pickle)`);
  }
  const mode = (o.mode ?? 'text').toLowerCase();
  if (mode !== 'text' && mode !== 'pickle') throw new ConfigError(`carbon.mode: expected text or pickle, got '${(o.mode ?? '').slice(0, 40)}'`);
  const { host, port } = o;
  const skip = o.skip_on_error ?? false;
  const pattern = o.metric_base_pattern ?? CARBON_OPTIONS.metric_base_pattern.default;
  const now = ctx.now ?? (() => new Date());
  const label = `carbon ${host}:${port}`;

  /** One connection: write everything, half-close, and wait for carbon to close its side. */
  function send(metrics: readonly Metric[]): Promise<void> {
    if (metrics.length === 0) return Promise.resolve();
    const payload = mode === 'pickle' ? picklePayload(metrics) : textPayload(metrics);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${CALL_MS / 1000}s`)), CALL_MS);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ReturnerError('transient', `${label}: ${err.code ?? err.message}`, { cause: err }));
      });
      socket.on('connect', () => socket.end(payload));
      // carbon reads to our end of stream and then closes: only then is everything read
      socket.on('data', () => undefined);
      socket.on('close', (hadError) => {
        clearTimeout(timer);
        if (!hadError) resolve();
      });
    });
  }

  return {
    name: 'carbon',
    capabilities: { jobCache: false, events: true, retention: false },

    async returner(rets: readonly HostReturn[]) {
      await send(rets.flatMap((r) => walkMetrics(metricBase(pattern, r.fun, r.id), r.return, seconds(r._stamp, now), skip)));
    },

    async eventReturn(events: readonly SaltEvent[]) {
      const metrics = events.flatMap((e) => {
        const data = isPlainObject(e.data) ? e.data : {};
        if (!('data' in data)) return [];
        return walkMetrics(e.tag.split('/').map(pathSegment).join('.'), data['data'], seconds(data['_stamp'], now), true);
      });
      await send(metrics);
    },

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    close: () => Promise.resolve(),
  };
}
