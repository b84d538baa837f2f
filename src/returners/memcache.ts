/**
 * salt's `memcache` returner (salt/returners/memcache_return.py, python-memcached client).
 *
 * Config keys (salt's, via returnerOptions): `memcache.host` ('localhost'), `memcache.port` (11211);
 * salt's docs give these defaults, its code refuses to run without both. `<return_config>.memcache.*`
 * first; `--return_kwargs` last.
 *
 * Keys (values are salt's JSON text, stored as python-memcached 1.59+ stores a str on Python 3:
 * flags 16, UTF-8, no expiry; memcached's LRU is the only retention, as in salt):
 *   <jid>:<id>   the full return                     (get_jid)
 *   <fun>:<id>   the full return of <id>'s latest <fun> (get_fun)
 *   <jid>        the load                            (get_load)
 *   minions      "web1,web2,"  every id, comma-terminated (get_minions)
 *   jids         "2026…,2026…," every jid              (get_jids)
 *
 * Functions: returner, save_load, get_load, get_jid, get_jids, get_fun, get_minions, prep_jid: it
 * can be `master_job_cache`. No clean_old_jobs and no event_return (salt has neither).
 *
 * brine's deviations from salt:
 * - The `minions`/`jids` lists are updated with gets/cas (add when missing), retried on a
 *   concurrent change: salt's get-then-append can add an id twice or lose one; brine's cannot.
 * - `<fun>:<id>` only moves forward: a late redelivery of an older job does not replace a newer one.
 * - A value over memcached's item size (`-I`, 1 MiB by default: `SERVER_ERROR object too large for
 *   cache`) or a key memcached cannot hold (over 250 bytes, spaces or control characters, e.g. a host
 *   id with a space) is refused as that return's fault and set aside; python-memcached drops both
 *   silently. A `minions`/`jids` list that outgrows the item size stops delivery with that reason.
 * - get_fun returns `{id: jid}` (brine's Returner shape) read from the stored returns.
 * Deadlines: connect 4 s, each call 7 s.
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { generateJid } from '../salt/jid.js';
import { ReturnerError } from './failure.js';
import { MemcacheError, openMemcacheClient, type MemcacheClient } from './memcache-client.js';
import { returnerOptions } from './options.js';
import { saltJson } from './salt-json.js';
import { fullRet, orderedLoad } from './sql/rows.js';
import type { Returner, ReturnerLoadContext } from './types.js';

export const MEMCACHE_OPTIONS = {
  host: { kind: 'string', default: 'localhost' },
  port: { kind: 'int', default: 11211 },
} as const;

/** python-memcached's _FLAG_TEXT: a str value, read back as str. */
const TEXT_FLAG = 16;
const MAX_KEY_BYTES = 250;
const CAS_ATTEMPTS = 20;
/** Keys per multi-get: memcached reads any number, this keeps one answer's size modest. */
const GET_CHUNK = 100;
const TOO_LARGE = /object too large|too large for cache/i;
export const MEMCACHE_DEADLINES = { connectMs: 4_000, callMs: 7_000 };

type MemcacheFunctions = 'saveLoad' | 'getLoad' | 'getJid' | 'getJids' | 'getFun' | 'getMinions' | 'prepJid';

export type MemcacheReturner = Returner & Required<Pick<Returner, MemcacheFunctions>> & { readonly client: MemcacheClient; readonly label: string };

function badKey(key: string): string | undefined {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `over ${MAX_KEY_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex -- memcached keys may not hold control characters or spaces
  if (/[\u0000-\u0020\u007f]/u.test(key)) return 'holds a space or a control character';
  return undefined;
}

/** The jid inside a stored return, or undefined when the value is not one (another program's key). */
function jidIn(text: string): unknown {
  try {
    return (JSON.parse(text) as { jid?: unknown } | null)?.jid;
  } catch {
    return undefined;
  }
}

/** The comma-terminated list salt keeps (`"a,b,"`), as its _get_list reads it. */
export function readList(text: string | undefined): string[] {
  return text ? text.replace(/^,+|,+$/g, '').split(',').filter((x) => x !== '') : [];
}

export function createReturner(ctx: ReturnerLoadContext, deadlines = MEMCACHE_DEADLINES): MemcacheReturner {
  const o = returnerOptions('memcache', ctx.opts, ctx, MEMCACHE_OPTIONS);
  const host = o.host ?? 'localhost';
  const port = o.port ?? 11211;
  const label = `memcache ${host}:${port}`;
  const client = openMemcacheClient({ host, port, ...deadlines });
  const now = ctx.now ?? (() => new Date());

  /** Runs a memcached call; connection failures are transient, the server's error replies keep their words. */
  async function call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof ReturnerError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new ReturnerError('transient', message.startsWith(label) ? message : `${label}: ${message}`, { cause: err });
    }
  }

  async function set(key: string, value: string, what: string): Promise<void> {
    try {
      await call(() => client.store('set', key, value, TEXT_FLAG));
    } catch (err) {
      const reply = err instanceof ReturnerError && err.cause instanceof MemcacheError ? err.cause.reply : undefined;
      if (reply && TOO_LARGE.test(reply)) throw new ReturnerError('item', `${label}: ${what} is ${Buffer.byteLength(value)} bytes: ${reply}`);
      throw err;
    }
  }

  /** Read-modify-write of one key under gets/cas; `next` returns undefined to leave the value as it is. */
  async function update(key: string, next: (current: string | undefined) => string | undefined): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const item = (await call(() => client.get([key], true))).get(key);
      const value = next(item?.value.toString('utf8'));
      if (value === undefined) return;
      let answer: string;
      try {
        answer = await call(() => (item ? client.store('cas', key, value, item.flags, item.cas) : client.store('add', key, value, TEXT_FLAG)));
      } catch (err) {
        const reply = err instanceof ReturnerError && err.cause instanceof MemcacheError ? err.cause.reply : undefined;
        if (reply && TOO_LARGE.test(reply)) throw new ReturnerError('returner', `${label}: the '${key}' list has outgrown memcached's item size (-I): ${reply}`);
        throw err;
      }
      if (answer === 'STORED') return;
    }
    throw new ReturnerError('transient', `${label}: '${key}' kept changing under ${CAS_ATTEMPTS} concurrent updates`);
  }

  // one list update at a time from this process: cas then only races other processes, never itself
  let listTurn: Promise<unknown> = Promise.resolve();
  const appendTo = (key: string, values: readonly string[]): Promise<void> => {
    const turn = listTurn.catch(() => undefined).then(() =>
      update(key, (current) => {
        const have = new Set(readList(current));
        const missing = [...new Set(values)].filter((v) => !have.has(v));
        return missing.length === 0 ? undefined : `${current ?? ''}${missing.map((v) => `${v},`).join('')}`;
      }),
    );
    listTurn = turn;
    return turn;
  };

  async function getMulti(keys: readonly string[]): Promise<Map<string, string>> {
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += GET_CHUNK) chunks.push(keys.slice(i, i + GET_CHUNK).filter((k) => badKey(k) === undefined));
    const found = await Promise.all(chunks.map((chunk) => call(() => client.get(chunk))));
    return new Map(found.flatMap((items) => [...items].map(([k, item]): [string, string] => [k, item.value.toString('utf8')])));
  }

  return {
    name: 'memcache',
    capabilities: { jobCache: true, events: false, retention: false },
    client,
    label,

    async returner(rets: readonly HostReturn[]) {
      if (rets.length === 0) return;
      for (const r of rets) {
        for (const key of [`${r.jid}:${r.id}`, `${r.fun}:${r.id}`]) {
          const why = badKey(key);
          if (why) throw new ReturnerError('item', `${label}: return of ${r.id} in ${r.jid}: key '${key.slice(0, 80)}' ${why}`);
        }
      }
      const values = rets.map((r) => saltJson(fullRet(r)));
      await Promise.all(rets.map((r, i) => set(`${r.jid}:${r.id}`, values[i] ?? 'null', `return of ${r.id} in ${r.jid}`)));
      // the latest jid per <fun>:<id> in this batch, then only if the stored one is older
      const latest = new Map<string, { jid: string; value: string }>();
      rets.forEach((r, i) => {
        const key = `${r.fun}:${r.id}`;
        const seen = latest.get(key);
        if (!seen || seen.jid < r.jid) latest.set(key, { jid: r.jid, value: values[i] ?? 'null' });
      });
      await Promise.all(
        [...latest].map(([key, { jid, value }]) =>
          update(key, (current) => {
            const storedJid = current ? jidIn(current) : undefined;
            return typeof storedJid === 'string' && storedJid > jid ? undefined : current === value ? undefined : value;
          }),
        ),
      );
      await appendTo('minions', rets.map((r) => r.id));
      await appendTo('jids', rets.map((r) => r.jid));
    },

    async saveLoad(jid: string, load: JobLoad) {
      await set(jid, saltJson(orderedLoad({ ...load, jid })), `load of ${jid}`);
      await appendTo('jids', [jid]);
    },

    async getLoad(jid: string) {
      const data = (await getMulti([jid])).get(jid);
      return data ? (JSON.parse(data) as JobLoad) : undefined;
    },

    async getJid(jid: string) {
      const minions = readList((await getMulti(['minions'])).get('minions'));
      const found = await getMulti(minions.map((id) => `${jid}:${id}`));
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const id of minions) {
        const data = found.get(`${jid}:${id}`);
        if (data) out[id] = JSON.parse(data) as HostReturn;
      }
      return out;
    },

    async getJids() {
      const jids = readList((await getMulti(['jids'])).get('jids'));
      const loads = await getMulti(jids);
      return jids.flatMap((jid) => {
        const data = loads.get(jid);
        return data ? [{ jid, load: JSON.parse(data) as JobLoad }] : [];
      });
    },

    async getFun(fun: string) {
      const minions = readList((await getMulti(['minions'])).get('minions'));
      const found = await getMulti(minions.map((id) => `${fun}:${id}`));
      const out = Object.create(null) as Record<string, string>;
      for (const id of minions) {
        const data = found.get(`${fun}:${id}`);
        const jid = data ? jidIn(data) : undefined;
        if (typeof jid === 'string') out[id] = jid;
      }
      return out;
    },

    async getMinions() {
      return readList((await getMulti(['minions'])).get('minions'));
    },

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    close() {
      client.close();
      return Promise.resolve();
    },
  };
}
