import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalCache } from '../../src/jobcache/local-cache.js';
import { localCacheReturner } from '../../src/returners/local-cache.js';
import { returnerContractSuite } from '../contract/returner-suite.js';

returnerContractSuite('local_cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brine-lc-'));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  return {
    returner: localCacheReturner(cache),
    cleanup: async () => {
      await cache.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, ['save_load', 'get_jid', 'get_jids', 'clean_old_jobs', 'prep_jid']);
