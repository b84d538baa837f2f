/**
 * salt's `redis` returner (salt/returners/redis_return.py, 3007; saltext-redis keeps the same layout).
 *
 * Config keys (salt's, via returnerOptions; salt documents these defaults but its code has none):
 * `redis.host` ('salt'), `redis.port` (6379), `redis.db` ('0'), `redis.password` (''),
 * `redis.unix_socket_path` (a socket instead of host:port); `<return_config>.redis.*` first;
 * `--return_kwargs` last. `redis.cluster_mode: True` is refused (Redis Cluster is not supported);
 * salt reads `redis.cluster.*` only in cluster mode, so brine does not read them either.
 * TTL: `keep_jobs_seconds` (default 86400).
 *
 * Key layout (values are salt's JSON, as salt writes them with decode_responses):
 *   ret:<jid>    hash, field <id> = the full return      EXPIRE ttl, re-armed by each return
 *   <id>:<fun>   string = the jid of <id>'s latest <fun>  no TTL
 *   minions      set of ids                               no TTL
 *   load:<jid>   string = the load (with its jid)         SETEX ttl
 * Every write overwrites, so a redelivered batch stores nothing twice.
 *
 * Functions: returner, save_load, get_load, get_jid, get_jids, get_fun, get_minions, prep_jid,
 * clean_old_jobs: it can be `master_job_cache`. No event_return (salt has none).
 *
 * brine's deviations from salt, each where salt is broken:
 * - `keep_jobs_seconds: 0` means keep forever (no TTL); salt sends `SETEX … 0`, which Redis refuses,
 *   and `EXPIRE … 0`, which deletes the job's returns at once.
 * - `<id>:<fun>` only moves forward: a late redelivery of an older job does not replace a newer jid.
 * - get_fun returns `{id: jid}` from `<id>:<fun>`; salt's looks up `<id>:<jid>`, a key nothing
 *   writes, so it always returns `{}`.
 * - clean_old_jobs also deletes the loads and returns of jobs older than keep_jobs_seconds (by jid
 *   time; with TTL 0 nothing else would), besides salt's orphaned `ret:<jid>` hashes; SCAN, not KEYS.
 * - A return whose JSON is larger than the server's `proto-max-bulk-len` (asked once per connection)
 *   is refused as that item's fault before anything is sent: Redis would close the connection.
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { generateJid, isJid, jidToDate } from '../salt/jid.js';
import { keepJobsSeconds } from '../salt/retention.js';
import { ReturnerError } from './failure.js';
import { returnerOptions } from './options.js';
import { openRedisConnection, REDIS_DEADLINES, type RedisConnection, type RedisPipeline } from './redis-client.js';
import { saltJson } from './salt-json.js';
import { fullRet, orderedLoad } from './sql/rows.js';
import type { Returner, ReturnerLoadContext } from './types.js';

export const REDIS_OPTIONS = {
  host: { kind: 'string', default: 'salt' },
  port: { kind: 'int', default: 6379 },
  db: { kind: 'string', default: '0' },
  password: { kind: 'string' },
  unix_socket_path: { kind: 'string' },
  cluster_mode: { kind: 'bool', default: false },
} as const;

/** Sets KEYS[1] to ARGV[1] unless it already holds a later jid (jids compare as text). */
const SET_IF_LATER = "local c = redis.call('GET', KEYS[1]) if (not c) or c < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1]) end return 0";
const SCAN_COUNT = 1000;
const MGET_CHUNK = 500;

type RedisFunctions = 'saveLoad' | 'getLoad' | 'getJid' | 'getJids' | 'getFun' | 'getMinions' | 'prepJid' | 'cleanOldJobs';

export type RedisReturner = Returner & Required<Pick<Returner, RedisFunctions>> & { readonly connection: RedisConnection };

function settings(ctx: ReturnerLoadContext): { target: Parameters<typeof openRedisConnection>[0]; ttl: number } {
  const o = returnerOptions('redis', ctx.opts, ctx, REDIS_OPTIONS);
  if (o.cluster_mode) throw new ConfigError('redis.cluster_mode: Redis Cluster is not supported by brine\'s redis returner; point redis.host at one server');
  const db = (o.db ?? '0').trim();
  if (!/^\d+$/.test(db)) throw new ConfigError(`redis.db: expected a database number, got '${db}'`);
  const target = { host: o.host ?? 'salt', port: o.port ?? 6379, unixSocketPath: o.unix_socket_path, db: Number(db), password: o.password };
  return { target, ttl: keepJobsSeconds(ctx.opts) };
}

export function createReturner(ctx: ReturnerLoadContext, deadlines = REDIS_DEADLINES): RedisReturner {
  const { target, ttl } = settings(ctx);
  const conn = openRedisConnection(target, deadlines);
  const now = ctx.now ?? (() => new Date());

  async function scanKeys(pattern: string): Promise<string[]> {
    return conn.use(async (c) => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return [...new Set(keys)];
    });
  }

  async function mget(keys: readonly string[]): Promise<Array<string | null>> {
    const out: Array<string | null> = [];
    for (let i = 0; i < keys.length; i += MGET_CHUNK) {
      const chunk = keys.slice(i, i + MGET_CHUNK);
      out.push(...(await conn.use((c) => c.mget(...chunk))));
    }
    return out;
  }

  async function execPipeline(build: (p: RedisPipeline) => void): Promise<void> {
    await conn.use(async (c) => {
      const p = c.pipeline();
      build(p);
      const results = (await p.exec()) ?? [];
      const failed = results.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
    });
  }

  return {
    name: 'redis',
    capabilities: { jobCache: true, events: false, retention: true },
    connection: conn,

    async returner(rets: readonly HostReturn[]) {
      if (rets.length === 0) return;
      const maxBulk = await conn.maxBulkBytes();
      const values = rets.map((r) => saltJson(fullRet(r)));
      values.forEach((value, i) => {
        const bytes = Buffer.byteLength(value);
        const r = rets[i];
        if (r && bytes > maxBulk) {
          throw new ReturnerError('item', `${conn.label}: return of ${r.id} in ${r.jid} is ${bytes} bytes, over the server's proto-max-bulk-len (${maxBulk})`);
        }
      });
      await execPipeline((p) => {
        rets.forEach((r, i) => {
          p.hset(`ret:${r.jid}`, r.id, values[i] ?? 'null');
          p.eval(SET_IF_LATER, 1, `${r.id}:${r.fun}`, r.jid);
          p.sadd('minions', r.id);
        });
        if (ttl > 0) for (const jid of new Set(rets.map((r) => r.jid))) p.expire(`ret:${jid}`, ttl);
      });
    },

    async saveLoad(jid: string, load: JobLoad) {
      const value = saltJson(orderedLoad({ ...load, jid }));
      const maxBulk = await conn.maxBulkBytes();
      if (Buffer.byteLength(value) > maxBulk) throw new ReturnerError('item', `${conn.label}: load of ${jid} is over the server's proto-max-bulk-len (${maxBulk})`);
      await conn.use((c) => (ttl > 0 ? c.setex(`load:${jid}`, ttl, value) : c.set(`load:${jid}`, value)));
    },

    async getLoad(jid: string) {
      const data = await conn.use((c) => c.get(`load:${jid}`));
      return data ? (JSON.parse(data) as JobLoad) : undefined;
    },

    async getJid(jid: string) {
      const all = await conn.use((c) => c.hgetall(`ret:${jid}`));
      // No prototype: a host id such as `__proto__` is a plain key.
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const [id, data] of Object.entries(all)) if (data) out[id] = JSON.parse(data) as HostReturn;
      return out;
    },

    async getJids() {
      const values = await mget(await scanKeys('load:*'));
      return values.flatMap((v) => {
        if (!v) return [];
        const load = JSON.parse(v) as JobLoad;
        return typeof load.jid === 'string' ? [{ jid: load.jid, load }] : [];
      });
    },

    async getFun(fun: string) {
      const minions = (await conn.use((c) => c.smembers('minions'))).sort();
      const jids = await mget(minions.map((id) => `${id}:${fun}`));
      const out = Object.create(null) as Record<string, string>;
      minions.forEach((id, i) => {
        const jid = jids[i];
        if (jid) out[id] = jid;
      });
      return out;
    },

    getMinions: () => conn.use((c) => c.smembers('minions')),

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    async cleanOldJobs(keepSeconds: number) {
      if (keepSeconds <= 0) return 0;
      const cutoff = now().getTime() - keepSeconds * 1000;
      const loads = new Set(await scanKeys('load:*'));
      const old = [...loads].map((k) => k.slice('load:'.length)).filter((jid) => isJid(jid) && jidToDate(jid).getTime() < cutoff);
      const orphans = (await scanKeys('ret:*')).filter((k) => !loads.has(`load:${k.slice('ret:'.length)}`));
      const doomed = [...old.flatMap((jid) => [`load:${jid}`, `ret:${jid}`]), ...orphans];
      for (let i = 0; i < doomed.length; i += MGET_CHUNK) {
        const chunk = doomed.slice(i, i + MGET_CHUNK);
        await conn.use((c) => c.del(...chunk));
      }
      return old.length + orphans.length;
    },

    close: () => conn.close(),
  };
}
