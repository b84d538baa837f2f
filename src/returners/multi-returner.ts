/**
 * salt's `multi_returner` (salt/returners/multi_returner.py): writes to each returner the master key
 * `multi_returner: [local_cache, mysql]` lists (a YAML list or a comma-separated string), in order; as
 * master_job_cache it merges what they read back, later members winning (salt's dict.update).
 *
 * Capabilities: returner, save_load, get_load, get_jid, get_jids, prep_jid (the first member's jid,
 * the others are told it); clean_old_jobs only when every member has it (salt cleans those that have
 * it, which leaves old jobs readable from the others); it can be the master_job_cache only when every
 * member can. No event_return, get_fun or get_minions (salt has none).
 *
 * Deviations from salt: a member that fails does not stop the others; the call then fails with every
 * member's reason (transient if any member's failure is, else the returner's, else the item's), and the
 * batch is delivered again to all members: idempotent members skip what they have, at-least-once ones
 * (rawfile_json) may repeat it. `salt-run returners.init multi_returner` initialises each member.
 * A member named twice, an unknown one or `multi_returner` itself is a config error.
 *
 * The member loader comes from the registry (`withRegistry(loadReturner)`), which imports this file
 * lazily: importing the registry from here would make a cycle.
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { failureScope, ReturnerError, type FailureScope } from './failure.js';
import type { Returner, ReturnerLoadContext, ReturnerModule } from './types.js';

export type LoadMember = (name: string, ctx: ReturnerLoadContext) => Promise<Returner>;

const KEY = 'multi_returner';

function memberNames(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  const names = (list ?? []).map((n) => (typeof n === 'string' ? n.trim() : '')).filter((n) => n !== '');
  if (list === undefined || names.length === 0 || names.length !== list.length) {
    throw new ConfigError(`${KEY}: expected a list of returner names, e.g. ${KEY}: [local_cache, mysql]`);
  }
  if (names.includes(KEY)) throw new ConfigError(`${KEY}: cannot list itself`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new ConfigError(`${KEY}: lists ${twice} twice`);
  return names;
}

const RANK: Readonly<Record<FailureScope, number>> = { transient: 2, returner: 1, item: 0 };

/** Calls `fn` on every member; fails after all have run, naming each member that failed. */
async function onEach(members: readonly Returner[], fn: (m: Returner) => Promise<unknown> | undefined): Promise<void> {
  const failures: Array<{ name: string; err: unknown }> = [];
  for (const member of members) {
    try {
      await fn(member);
    } catch (err) {
      failures.push({ name: member.name, err });
    }
  }
  if (failures.length === 0) return;
  const scope = failures.map((f) => failureScope(f.err)).reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
  const why = failures.map((f) => `${f.name}: ${((f.err as Error).message ?? String(f.err)).split('\n')[0] ?? ''}`).join('; ');
  throw new ReturnerError(scope, `${KEY}: ${why}`, { cause: failures[0]?.err });
}

export function multiReturner(members: readonly Returner[]): Returner {
  const withFn = <K extends keyof Returner>(key: K) => members.filter((m) => typeof m[key] === 'function');
  const isJobCache = members.every((m) => m.capabilities.jobCache);
  const hasRetention = withFn('cleanOldJobs').length === members.length;
  return {
    name: KEY,
    capabilities: { jobCache: isJobCache, events: false, retention: hasRetention },
    returner: (rets: readonly HostReturn[]) => onEach(members, (m) => m.returner(rets)),
    saveLoad: (jid: string, load: JobLoad, minions?: readonly string[]) => onEach(members, (m) => m.saveLoad?.(jid, load, minions)),
    async getLoad(jid: string) {
      let merged: JobLoad | undefined;
      for (const m of withFn('getLoad')) {
        const load = await m.getLoad?.(jid);
        if (load !== undefined) merged = { ...merged, ...load };
      }
      return merged;
    },
    async getJid(jid: string) {
      const merged = Object.create(null) as Record<string, HostReturn>;
      for (const m of withFn('getJid')) Object.assign(merged, await m.getJid?.(jid));
      return merged;
    },
    async getJids() {
      const byJid = new Map<string, JobLoad>();
      for (const m of withFn('getJids')) for (const { jid, load } of (await m.getJids?.()) ?? []) byJid.set(jid, load);
      return [...byJid].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([jid, load]) => ({ jid, load }));
    },
    async prepJid(passedJid?: string) {
      let jid = passedJid;
      for (const m of withFn('prepJid')) {
        const own = await m.prepJid?.(jid);
        jid ??= own;
      }
      if (jid === undefined) throw new ConfigError(`${KEY}: none of ${members.map((m) => m.name).join(', ')} has prep_jid`);
      return jid;
    },
    // only when every member prunes: a job one member keeps would still be read back from it
    ...(hasRetention
      ? {
          async cleanOldJobs(keepSeconds: number) {
            let removed = 0;
            await onEach(members, async (m) => {
              removed += Number((await m.cleanOldJobs?.(keepSeconds)) ?? 0);
            });
            return removed;
          },
        }
      : {}),
    ...(withFn('init').length > 0
      ? {
          async init() {
            const lines: string[] = [];
            await onEach(withFn('init'), async (m) => {
              lines.push(`${m.name}: ${(await m.init?.()) ?? ''}`);
            });
            return lines.join('; ');
          },
        }
      : {}),
    async close() {
      await Promise.all(members.map((m) => m.close().catch(() => undefined)));
    },
  };
}

/** The returner module, with the registry's loader for its members. */
export function withRegistry(loadMember: LoadMember): ReturnerModule {
  return {
    async createReturner(ctx: ReturnerLoadContext) {
      const members: Returner[] = [];
      try {
        for (const name of memberNames(ctx.opts[KEY])) members.push(await loadMember(name, ctx));
      } catch (err) {
        await Promise.all(members.map((m) => m.close().catch(() => undefined)));
        throw err instanceof ConfigError ? err : new ConfigError(`${KEY}: ${(err as Error).message}`, { cause: err });
      }
      return multiReturner(members);
    },
  };
}
