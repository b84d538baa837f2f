import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jidToDate } from '../../src/salt/jid.js';
import { openMasterJobCache } from '../../src/returners/master-cache.js';
import { createReturner } from '../../src/returners/mysql.js';
import { localCacheReturner } from '../../src/returners/local-cache.js';
import type { JobCache } from '../../src/jobcache/types.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';

describe('master_job_cache: mysql (jobs.* read from MySQL)', () => {
  let db: TestDatabase;
  let cache: JobCache;
  beforeAll(async () => {
    db = await createTestDatabase();
    cache = openMasterJobCache(createReturner({ opts: db.opts() }));
  });
  afterAll(async () => {
    await cache.close();
    await db.drop();
  });

  it('writes the jids row at saveLoad and answers getJob/getJid/getJobs from MySQL', async () => {
    const jid = await cache.prepJid(new Date());
    expect(jid).toMatch(/^\d{20}$/);
    await cache.saveLoad({ load: jobLoad(jid, 'cmd.run', ['uptime']), minions: ['node1'], startedAt: Date.now() });
    expect(await db.rows('SELECT jid FROM jids WHERE jid = ?', [jid])).toEqual([{ jid }]);
    await cache.saveReturn(hostReturn(jid, 'node1', ' 17:33:48 up 53 min', 'cmd.run'));

    const job = await cache.getJob(jid);
    expect(job).toMatchObject({ load: { jid, fun: 'cmd.run', arg: ['uptime'] }, startedAt: jidToDate(jid).getTime() });
    expect((await cache.getJid(jid))['node1']?.return).toBe(' 17:33:48 up 53 min');
    expect(await cache.getJob(testJid(new Date(Date.UTC(2001, 0, 1))))).toBeUndefined();

    const other = testJid(new Date(Date.now() - 60_000));
    await cache.saveLoad({ load: jobLoad(other, 'test.ping'), minions: [], startedAt: Date.now() });
    expect((await cache.getJobs({ functions: ['cmd.*'] })).map((j) => j.load.jid)).toEqual([jid]);
    expect((await cache.getJobs({})).map((j) => j.load.jid)).toEqual([jid, other]);
    expect((await cache.getJobs({ limit: 1, offset: 1 })).map((j) => j.load.jid)).toEqual([other]);
    expect(await cache.activeJobs()).toEqual([]);
  });

  it('refuses a returner that cannot serve jobs', () => {
    const writeOnly = { ...localCacheReturner({} as JobCache), name: 'syslog', capabilities: { jobCache: false, events: false, retention: false } };
    expect(() => openMasterJobCache(writeOnly)).toThrow("master_job_cache: returner 'syslog' cannot serve as a job cache (get_load/get_jid/get_jids)");
  });
});
