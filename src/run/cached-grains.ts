/**
 * Grains for `-G` without a minion: each host's newest successful `grains.items` return in the job
 * cache (salt-ssh itself only targets grains through its `cache` roster).
 */
import type { JobCache } from '../jobcache/types.js';
import { isPlainObject } from '../salt/python.js';

const PAGE = 50;
/** How many grains.items jobs are read at most, newest first. */
const MAX_JOBS = 1000;

export async function loadCachedGrains(cache: JobCache, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const wanted = new Set(ids);
  const found = new Map<string, Record<string, unknown>>();
  for (let offset = 0; offset < MAX_JOBS && found.size < wanted.size; offset += PAGE) {
    const jobs = await cache.getJobs({ functions: ['grains.items'], limit: PAGE, offset });
    for (const job of jobs) {
      if (!job.minions.some((id) => wanted.has(id) && !found.has(id))) continue;
      const returns = await cache.getJid(job.load.jid);
      for (const [id, ret] of Object.entries(returns)) {
        if (wanted.has(id) && !found.has(id) && ret.success && isPlainObject(ret.return)) found.set(id, ret.return);
      }
    }
    if (jobs.length < PAGE) break;
  }
  return found;
}
