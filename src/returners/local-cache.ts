/**
 * salt's `local_cache` returner: brine's local job cache (src/jobcache) seen through the returner
 * interface. It is the default `master_job_cache`; as a `--return` target it is a no-op rewrite of
 * what the run has already committed there.
 */
import { ConfigError } from '../errors.js';
import type { JobCache } from '../jobcache/types.js';
import type { HostReturn, JobLoad } from '../core/job.js';
import { isJid, jidToDate } from '../salt/jid.js';
import type { Returner, ReturnerLoadContext } from './types.js';

export function localCacheReturner(cache: JobCache, now: () => Date = () => new Date()): Returner {
  return {
    name: 'local_cache',
    capabilities: { jobCache: true, events: false, retention: true },

    async returner(rets: readonly HostReturn[]) {
      for (const ret of rets) await cache.saveReturn(ret);
    },
    async saveLoad(jid: string, load: JobLoad, minions?: readonly string[]) {
      if (await cache.getJob(jid)) return; // the run already saved it, with its real start time
      await cache.saveLoad({ load: { ...load, jid }, minions: [...(minions ?? [])], startedAt: isJid(jid) ? jidToDate(jid).getTime() : now().getTime() });
    },
    async getLoad(jid: string) {
      return (await cache.getJob(jid))?.load;
    },
    getJid: (jid: string) => cache.getJid(jid),
    async getJids() {
      const jobs = await cache.getJobs({});
      return jobs.map((j) => ({ jid: j.load.jid, load: j.load })).reverse();
    },
    async getJidsFilter(count: number, filterFindJob = true) {
      const jobs = await cache.getJobs({});
      const kept = jobs.filter((j) => !filterFindJob || j.load.fun !== 'saltutil.find_job').slice(0, count);
      return kept.map((j) => ({ jid: j.load.jid, load: j.load })).reverse();
    },
    prepJid: (passedJid?: string) => cache.prepJid(now(), passedJid),
    cleanOldJobs: (keepSeconds: number) =>
      keepSeconds <= 0 ? Promise.resolve(0) : cache.cleanOldJobs(now().getTime() - keepSeconds * 1000),
    // the run owns the local cache; closing it here would pull it from under the run
    close: () => Promise.resolve(),
  };
}

export function createReturner(ctx: ReturnerLoadContext): Returner {
  if (!ctx.localCache) throw new ConfigError('local_cache: the local job cache is not open (cachedir)');
  return localCacheReturner(ctx.localCache, ctx.now);
}
