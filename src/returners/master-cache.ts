/**
 * `master_job_cache: <returner>`: the JobCache that `salt-run jobs.*` read, served by a returner
 * with jobCache capability (get_load/get_jid/get_jids), e.g. mysql on a machine without a local cache.
 */
import { ConfigError } from '../errors.js';
import type { JobCache, JobQuery } from '../jobcache/types.js';
import { compilePatterns, targetMatches } from '../jobcache/target-search.js';
import type { HostReturn, JobLoad, JobRecord } from '../core/job.js';
import { fnmatch } from '../salt/fnmatch.js';
import { isJid, jidToDate } from '../salt/jid.js';
import type { Returner } from './types.js';

function record(jid: string, load: JobLoad): JobRecord {
  const minions = (load as { Minions?: unknown }).Minions;
  return {
    load: { ...load, jid: load.jid ?? jid },
    minions: Array.isArray(minions) ? minions.map(String) : [],
    startedAt: isJid(jid) ? jidToDate(jid).getTime() : 0,
  };
}

function matches(job: JobRecord, q: JobQuery): boolean {
  if (q.functions && q.functions.length > 0 && !q.functions.some((f) => fnmatch(job.load.fun ?? '', f))) return false;
  if (q.targets !== undefined && q.targets.length > 0 && !targetMatches(job.load.tgt, compilePatterns(q.targets))) return false;
  if (q.startTime !== undefined && job.startedAt < q.startTime) return false;
  if (q.endTime !== undefined && job.startedAt > q.endTime) return false;
  if (q.metadata && Object.keys(q.metadata).length > 0) {
    const meta = job.load.metadata ?? {};
    // salt's search_metadata: any one key/value pair matching is enough
    if (!Object.entries(q.metadata).some(([k, v]) => JSON.stringify(meta[k]) === JSON.stringify(v))) return false;
  }
  return true;
}

export function openMasterJobCache(returner: Returner, now: () => Date = () => new Date()): JobCache {
  const [getLoad, getJid, getJids] = [returner.getLoad?.bind(returner), returner.getJid?.bind(returner), returner.getJids?.bind(returner)];
  if (!returner.capabilities.jobCache || !getLoad || !getJid || !getJids) {
    throw new ConfigError(`master_job_cache: returner '${returner.name}' cannot serve as a job cache (get_load/get_jid/get_jids)`);
  }
  return {
    name: returner.name,
    async prepJid(_now: Date, passedJid?: string) {
      if (returner.prepJid) return returner.prepJid(passedJid);
      throw new ConfigError(`master_job_cache: returner '${returner.name}' has no prep_jid`);
    },
    async saveLoad(job: JobRecord) {
      if (!returner.saveLoad) throw new ConfigError(`master_job_cache: returner '${returner.name}' has no save_load`);
      await returner.saveLoad(job.load.jid, job.load, job.minions);
    },
    async saveReturn(ret: HostReturn) {
      await returner.returner([ret]);
    },
    // salt's external job caches keep no end time unless job_cache_store_endtime, which mysql lacks
    endJob: () => Promise.resolve(),
    async getJob(jid: string) {
      const load = await getLoad.call(returner, jid);
      return load && Object.keys(load).length > 0 ? record(jid, load) : undefined;
    },
    getJid: (jid: string) => getJid.call(returner, jid),
    async getJobs(query: JobQuery) {
      const all = (await getJids.call(returner)).map((j) => record(j.jid, j.load));
      const found = all.filter((j) => matches(j, query)).sort((a, b) => (a.load.jid < b.load.jid ? 1 : -1));
      const offset = query.offset ?? 0;
      return found.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
    },
    // a returner cannot know which brine processes are alive
    activeJobs: () => Promise.resolve([]),
    async cleanOldJobs(olderThan: number) {
      if (!returner.cleanOldJobs) return 0;
      const keepSeconds = Math.max(1, Math.round((now().getTime() - olderThan) / 1000));
      return (await returner.cleanOldJobs(keepSeconds)) ?? 0;
    },
    close: () => returner.close(),
  };
}
