/**
 * salt's `etcd` returner (salt/returners/etcd_return.py with salt.utils.etcd_util, v2 keys API).
 *
 * Config keys (salt's; like salt, read from the master config only, not --return_config/--return_kwargs):
 * top-level `etcd.returner` (profile name), `etcd.returner_root` ('/salt/return'),
 * `etcd.returner_read_profile` (get_load), `etcd.returner_write_profile` (returner, save_load),
 * `etcd.ttl` (top-level, or in the write profile when one is named; unset/0 = no TTL). A profile is a
 * top-level mapping of: `etcd.host` ('127.0.0.1'), `etcd.port` (2379), `etcd.username` + `etcd.password`
 * (HTTP basic auth), `etcd.ca`, `etcd.client_cert` + `etcd.client_key` (PEM files: https),
 * `etcd.require_v2` (True). Without a profile those keys are read top-level. `etcd.require_v2: False`
 * (the v3 API) is refused; v3's `etcd.encode_keys/encode_values/raw_keys/raw_values/unicode_errors`
 * are not read in v2 mode, by salt either.
 *
 * Keys under the root R (values are salt's JSON text; every key with the ttl):
 *   R/minions/<id>                 = the jid of <id>'s latest job (plain text)
 *   R/jobs/<jid>/<id>/<field>      = JSON of each field of the return (fun, fun_args, id, jid, return, retcode, success, _stamp…)
 *   R/jobs/<jid>/.load.p           = the load
 * Every write is a PUT of a fixed key, so a redelivered batch stores nothing twice.
 *
 * Functions: returner, save_load, get_load, get_jid, get_jids, get_fun, get_minions, prep_jid,
 * clean_old_jobs: it can be `master_job_cache`. No event_return (salt has none).
 *
 * brine's deviations from salt, each where salt is broken:
 * - get_jid returns each host's whole return (all its fields, `_stamp` read by name: etcd v2 hides
 *   keys that start with `_` from listings); salt's returns only `{"return": …}`.
 * - get_jids returns each job with its load (salt's returns a bare list the job runners cannot read);
 *   a job whose load is gone (ttl) is not listed.
 * - get_fun returns `{id: jid}` for hosts whose latest job ran the function (salt's: `{id: fun}`).
 * - R/minions/<id> only moves forward (compare-and-swap): a late redelivery of an older job does not
 *   replace a newer jid.
 * - clean_old_jobs removes R/jobs/<jid> of jobs older than keep_jobs_seconds (salt's is a no-op and
 *   relies on the ttl, so with no ttl jobs piled up for ever).
 * - A host id etcd cannot hold as one path segment ('', '.', '..', or with '/') and a key etcd refuses
 *   (Not a file / Not a directory, e.g. an id named `.load.p`) are that return's fault and set aside.
 * Deadlines: connect 4 s, each request 7 s; at most 16 requests in flight per endpoint.
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { generateJid, isJid, jidToDate } from '../salt/jid.js';
import { etcdSettings } from './etcd-config.js';
import { EtcdReplyError, ETCD_DEADLINES, ETCD_MAX_SOCKETS, openEtcdV2, type EtcdNode, type EtcdV2Client } from './etcd-v2.js';
import { ReturnerError, type FailureScope } from './failure.js';
import { saltJson } from './salt-json.js';
import { fullRet, orderedLoad } from './sql/rows.js';
import type { Returner, ReturnerLoadContext } from './types.js';

type EtcdFunctions = 'saveLoad' | 'getLoad' | 'getJid' | 'getJids' | 'getFun' | 'getMinions' | 'prepJid' | 'cleanOldJobs';
export type EtcdReturner = Returner & Required<Pick<Returner, EtcdFunctions>> & { readonly root: string };

const CAS_ATTEMPTS = 20;
/** etcd errorCodes that no retry fixes for that key: Not a file, Not a directory, Root is read only, Directory not empty. */
const KEY_REFUSED = new Set([102, 104, 107, 108]);

function scopeOf(err: unknown): FailureScope {
  if (!(err instanceof EtcdReplyError)) return 'transient';
  if (err.status === 401 || err.status === 403 || err.errorCode === 110) return 'returner';
  if (err.errorCode !== undefined && KEY_REFUSED.has(err.errorCode)) return 'item';
  return err.status === 413 ? 'item' : 'transient';
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const lastSegment = (node: EtcdNode): string => node.key.slice(node.key.lastIndexOf('/') + 1);

export function createReturner(ctx: ReturnerLoadContext, deadlines = ETCD_DEADLINES): EtcdReturner {
  const settings = etcdSettings(ctx.opts);
  const { root, ttl } = settings;
  const clients = new Map<string, EtcdV2Client>();
  const clientFor = (e: typeof settings.main): EtcdV2Client => {
    const id = JSON.stringify({ ...e, tls: e.tls ? Object.values(e.tls).map(String) : null });
    let client = clients.get(id);
    if (!client) clients.set(id, (client = openEtcdV2(e, deadlines)));
    return client;
  };
  const [main, read, write] = [clientFor(settings.main), clientFor(settings.read), clientFor(settings.write)];
  const now = ctx.now ?? (() => new Date());
  const withTtl = (form: Record<string, string>): Record<string, string> => (ttl > 0 ? { ...form, ttl: String(ttl) } : form);

  async function call<T>(client: EtcdV2Client, work: () => Promise<T>, what?: string): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ReturnerError(scopeOf(err), `${client.label}: ${what ? `${what}: ` : ''}${message}`.replace(/\s+/g, ' '), { cause: err });
    }
  }

  /** R/minions/<id> = jid unless it already names a later job; compare-and-swap against concurrent writers. */
  async function pointMinion(id: string, jid: string): Promise<void> {
    const key = `${root}/minions/${id}`;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await write.get(key);
      if (current?.value !== undefined && current.value >= jid) return;
      const guard: Record<string, string> = current?.value === undefined ? { prevExist: 'false' } : { prevValue: current.value };
      try {
        await write.put(key, withTtl({ value: jid, ...guard }));
        return;
      } catch (err) {
        // 101 compare failed, 105 key exists: another writer moved it; look again
        if (!(err instanceof EtcdReplyError && (err.errorCode === 101 || err.errorCode === 105))) throw err;
      }
    }
    throw new Error(`${key} kept changing under ${CAS_ATTEMPTS} concurrent updates`);
  }

  async function loadOf(client: EtcdV2Client, jid: string): Promise<JobLoad | undefined> {
    const node = await call(client, () => client.get(`${root}/jobs/${jid}/.load.p`));
    return node?.value === undefined ? undefined : (JSON.parse(node.value) as JobLoad);
  }

  async function childrenOf(dir: string): Promise<EtcdNode[]> {
    return (await call(main, () => main.get(dir)))?.nodes ?? [];
  }

  return {
    name: 'etcd',
    capabilities: { jobCache: true, events: false, retention: true },
    root,

    async returner(rets: readonly HostReturn[]) {
      for (const r of rets) {
        if (r.id === '' || r.id === '.' || r.id === '..' || r.id.includes('/')) {
          throw new ReturnerError('item', `${write.label}: return of ${r.id} in ${r.jid}: a host id etcd cannot hold as one key segment of ${root}/jobs/<jid>/<id>`);
        }
      }
      const writes = rets.flatMap((r) => Object.entries(fullRet(r)).map(([field, value]) => ({ r, key: `${root}/jobs/${r.jid}/${r.id}/${field}`, value: saltJson(value) })));
      await mapLimit(writes, ETCD_MAX_SOCKETS, (w) => call(write, () => write.put(w.key, withTtl({ value: w.value })), `return of ${w.r.id} in ${w.r.jid}`));
      const latest = new Map<string, string>();
      for (const r of rets) if ((latest.get(r.id) ?? '') < r.jid) latest.set(r.id, r.jid);
      await mapLimit([...latest], ETCD_MAX_SOCKETS, ([id, jid]) => call(write, () => pointMinion(id, jid), `return of ${id} in ${jid}`));
    },

    async saveLoad(jid: string, load: JobLoad) {
      const value = saltJson(orderedLoad({ ...load, jid }));
      await call(write, () => write.put(`${root}/jobs/${jid}/.load.p`, withTtl({ value })), `load of ${jid}`);
    },

    getLoad: (jid: string) => loadOf(read, jid),

    async getJid(jid: string) {
      const job = await call(main, () => main.get(`${root}/jobs/${jid}`, { recursive: 'true' }));
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const host of job?.nodes ?? []) {
        if (!host.dir) continue;
        const fields = Object.create(null) as Record<string, unknown>;
        for (const f of host.nodes ?? []) if (f.value !== undefined) fields[lastSegment(f)] = JSON.parse(f.value) as unknown;
        out[lastSegment(host)] = { ...fields } as unknown as HostReturn;
      }
      // etcd v2 leaves keys starting with "_" out of listings: read _stamp by name
      const ids = Object.keys(out);
      const stamps = await mapLimit(ids, ETCD_MAX_SOCKETS, (id) => call(main, () => main.get(`${root}/jobs/${jid}/${id}/_stamp`)));
      ids.forEach((id, i) => {
        const stamp = stamps[i]?.value;
        const ret = out[id];
        if (stamp !== undefined && ret) ret._stamp = JSON.parse(stamp) as string;
      });
      return out;
    },

    async getJids() {
      const jids = (await childrenOf(`${root}/jobs`)).filter((n) => n.dir).map(lastSegment);
      const loads = await mapLimit(jids, ETCD_MAX_SOCKETS, (jid) => loadOf(main, jid));
      return jids.flatMap((jid, i) => {
        const load = loads[i];
        return load ? [{ jid, load }] : [];
      });
    },

    async getFun(fun: string) {
      const minions = (await childrenOf(`${root}/minions`)).filter((n) => n.value !== undefined);
      const funs = await mapLimit(minions, ETCD_MAX_SOCKETS, (n) => call(main, () => main.get(`${root}/jobs/${n.value ?? ''}/${lastSegment(n)}/fun`)));
      const out = Object.create(null) as Record<string, string>;
      minions.forEach((n, i) => {
        const ran = funs[i]?.value;
        if (ran !== undefined && JSON.parse(ran) === fun && n.value) out[lastSegment(n)] = n.value;
      });
      return out;
    },

    async getMinions() {
      return (await childrenOf(`${root}/minions`)).map(lastSegment);
    },

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    async cleanOldJobs(keepSeconds: number) {
      if (keepSeconds <= 0) return 0;
      const cutoff = now().getTime() - keepSeconds * 1000;
      const old = (await childrenOf(`${root}/jobs`)).map(lastSegment).filter((jid) => isJid(jid) && jidToDate(jid).getTime() < cutoff);
      await mapLimit(old, ETCD_MAX_SOCKETS, (jid) => call(main, () => main.delete(`${root}/jobs/${jid}`, { recursive: 'true', dir: 'true' })));
      return old.length;
    },

    close() {
      for (const client of clients.values()) client.close();
      return Promise.resolve();
    },
  };
}
