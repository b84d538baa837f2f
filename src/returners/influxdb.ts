/**
 * salt's `influxdb` returner (salt/returners/influxdb_return.py, InfluxDB ≥ 0.9 API) over HTTP: line
 * protocol to `/write`, InfluxQL to `/query` (InfluxDB 1.x; 2.x/3.x serve the same v1 endpoints).
 *
 * Config keys (salt's, via returnerOptions; defaults are salt's documented ones): `influxdb.host`
 * (localhost), `influxdb.port` (8086), `influxdb.db` (salt), `influxdb.user` (salt), `influxdb.password`
 * (salt, sent as HTTP basic auth); `<return_config>.influxdb.*`, `--return_kwargs`.
 *
 * Points (salt's measurements and tags):
 *   returns,fun=<fun>,id=<id>,jid=<jid> return="<JSON of the value>",full_ret="<JSON of the return without return>" <_stamp µs>
 *   jids,jid=<jid> load="<JSON of the load>" <jid's time µs>
 *
 * Capabilities: save_load, get_load, get_jid, get_fun, get_jids, get_minions, prep_jid: it can be the
 * master_job_cache (no event_return, no clean_old_jobs: salt has neither; use a retention policy).
 * `salt-run returners.init influxdb` creates the database (salt never does).
 *
 * Deviations from salt: every point carries the return's own time (salt lets the server stamp it), so a
 * redelivered point overwrites itself instead of adding a duplicate; one request per batch; reads work on
 * InfluxDB 1.x (salt's index the 0.8 response shape and fail); InfluxDB 0.8 is not supported; a failed
 * write is reported (salt logs it and drops the return). Every request has a 5 s deadline.
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { generateJid } from '../salt/jid.js';
import { ReturnerError } from './failure.js';
import { loadPoint, quoteLiteral, returnPoint, seriesTags } from './influxdb-line.js';
import { returnerOptions } from './options.js';
import { orderedLoad } from './sql/rows.js';
import type { Returner, ReturnerLoadContext } from './types.js';

export const INFLUXDB_OPTIONS = {
  host: { kind: 'string', default: 'localhost' },
  port: { kind: 'int', default: 8086 },
  db: { kind: 'string', default: 'salt' },
  user: { kind: 'string', default: 'salt' },
  password: { kind: 'string', default: 'salt' },
} as const;

const CALL_MS = 5_000;

interface Series {
  name?: string;
  columns?: string[];
  values?: unknown[][];
}

/** What the influxdb returner implements, as required methods. */
export type InfluxdbReturner = Returner & Required<Pick<Returner, 'saveLoad' | 'getLoad' | 'getJid' | 'getFun' | 'getJids' | 'getMinions' | 'prepJid' | 'init'>>;

export function createReturner(ctx: ReturnerLoadContext): InfluxdbReturner {
  const o = returnerOptions('influxdb', ctx.opts, ctx, INFLUXDB_OPTIONS);
  const host = o.host ?? 'localhost';
  const address = `${host.includes(':') ? `[${host}]` : host}:${o.port ?? 8086}`;
  const db = o.db ?? 'salt';
  const label = `influxdb ${address}/${db}`;
  const now = ctx.now ?? (() => new Date());
  const auth = o.user === undefined ? {} : { authorization: `Basic ${Buffer.from(`${o.user}:${o.password ?? ''}`).toString('base64')}` };

  async function request(path: string, params: Record<string, string>, body: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`http://${address}${path}?${new URLSearchParams(params).toString()}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': path === '/write' ? 'text/plain; charset=utf-8' : 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(CALL_MS),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${CALL_MS / 1000}s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new ReturnerError('transient', `${label}: ${why}`, { cause: err });
    }
    const text = await res.text();
    if (res.ok) return text;
    const why = ((): string => {
      try {
        return String((JSON.parse(text) as { error?: unknown }).error ?? text);
      } catch {
        return text;
      }
    })().split('\n')[0]?.slice(0, 300) ?? '';
    const scope = res.status === 400 || res.status === 413 ? 'item' : res.status === 401 || res.status === 403 || res.status === 404 ? 'returner' : 'transient';
    const hint = /database not found/.test(why) ? ' (create it with: salt-run returners.init influxdb)' : '';
    throw new ReturnerError(scope, `${label}: HTTP ${res.status}: ${why}${hint}`);
  }

  const write = (lines: readonly string[]): Promise<unknown> =>
    lines.length === 0 ? Promise.resolve() : request('/write', { db, precision: 'u' }, `${lines.join('\n')}\n`);

  /** The series of one InfluxQL statement (an error in the result is the returner's: bad db or query). */
  async function query(q: string): Promise<Series[]> {
    const body = JSON.parse(await request('/query', { db }, new URLSearchParams({ q }).toString())) as { results?: Array<{ series?: Series[]; error?: string }> };
    const [result] = body.results ?? [];
    if (result?.error !== undefined) throw new ReturnerError('returner', `${label}: ${result.error}`);
    return result?.series ?? [];
  }
  const rows = async (q: string): Promise<Array<Record<string, unknown>>> =>
    (await query(q)).flatMap((s) => (s.values ?? []).map((v) => Object.fromEntries((s.columns ?? []).map((c, i) => [c, v[i]]))));

  return {
    name: 'influxdb',
    capabilities: { jobCache: true, events: false, retention: false },

    async returner(rets: readonly HostReturn[]) {
      await write(rets.map((r) => returnPoint(r, now)));
    },

    async saveLoad(jid: string, load: JobLoad) {
      await write([loadPoint(jid, orderedLoad(load), now)]);
    },

    async getLoad(jid: string) {
      const [row] = await rows(`SELECT "load" FROM jids WHERE jid = ${quoteLiteral(jid)} ORDER BY time DESC LIMIT 1`);
      return row === undefined ? undefined : (JSON.parse(String(row['load'])) as JobLoad);
    },

    async getJid(jid: string) {
      // No prototype: a host id such as `__proto__` is a plain key.
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const row of await rows(`SELECT "return", full_ret, id FROM returns WHERE jid = ${quoteLiteral(jid)}`)) {
        const { fun_args, retcode, success, fun, id, _stamp, out: printed } = JSON.parse(String(row['full_ret'])) as HostReturn;
        const value = JSON.parse(String(row['return'])) as unknown;
        out[String(row['id'])] = { fun_args, jid, return: value, retcode, success, fun, id, _stamp, ...(printed === undefined ? {} : { out: printed }) };
      }
      return out;
    },

    async getFun(fun: string) {
      // the series keys carry (id, jid): no point values need to travel
      const latest: Record<string, string> = {};
      for (const s of await query(`SHOW SERIES FROM returns WHERE fun = ${quoteLiteral(fun)}`)) {
        for (const [key] of s.values ?? []) {
          const { id, jid } = seriesTags(String(key));
          if (id !== undefined && jid !== undefined && (latest[id] === undefined || jid > latest[id])) latest[id] = jid;
        }
      }
      return latest;
    },

    async getJids() {
      const byJid = new Map<string, JobLoad>();
      for (const row of await rows('SELECT jid, "load" FROM jids')) byJid.set(String(row['jid']), JSON.parse(String(row['load'])) as JobLoad);
      return [...byJid].sort(([a], [b]) => (a < b ? -1 : 1)).map(([jid, load]) => ({ jid, load }));
    },

    async getMinions() {
      return (await rows('SHOW TAG VALUES FROM returns WITH KEY = "id"')).map((r) => String(r['value'])).sort();
    },

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    async init() {
      await request('/query', {}, new URLSearchParams({ q: `CREATE DATABASE "${db.replace(/["\\]/g, (c) => `\\${c}`)}"` }).toString());
      return `database ${db} ready on ${address}`;
    },

    close: () => Promise.resolve(),
  };
}
