import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheError, UsageError } from '../../../src/errors.js';
import { generateJid } from '../../../src/salt/jid.js';
import { localCacheFile, openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import type { HostReturn, JobRecord } from '../../../src/core/job.js';

function jobRecord(jid: string, fun: string, minions: string[], extra: Partial<JobRecord['load']> = {}, startedAt?: number): JobRecord {
  return {
    load: { jid, fun, arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root', ...extra },
    minions,
    startedAt: startedAt ?? Date.parse(`${jid.slice(0, 4)}-${jid.slice(4, 6)}-${jid.slice(6, 8)}T${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}Z`),
    pid: process.pid,
  };
}

function hostReturn(jid: string, id: string, value: unknown, retcode = 0): HostReturn {
  return { id, jid, fun: 'cmd.run', fun_args: ['uptime'], return: value, retcode, success: retcode === 0, _stamp: '2026-11-28T17:18:06.000001' };
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined) throw new Error('could not spawn true');
  return child.pid;
}

describe('local job cache', () => {
  let dir: string;
  let file: string;
  let cache: LocalJobCache;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brine-cache-'));
    file = join(dir, 'cachedir', 'jobs.sqlite');
    cache = openLocalCache(file);
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops a job\'s returns once nothing is pending for it, keeping the job row (job_cache: False)', async () => {
    const jid = generateJid(new Date());
    await cache.saveLoad(jobRecord(jid, 'cmd.run', ['a']), ['mysql']);
    await cache.saveReturn(hostReturn(jid, 'a', 'up'), ['mysql']);
    expect(await cache.dropDeliveredReturns(jid)).toBe(false);
    expect(Object.keys(await cache.getJid(jid))).toEqual(['a']);
    const claimed = await cache.claim('mysql', 10);
    await cache.markDelivered('mysql', claimed);
    expect(await cache.dropDeliveredReturns(jid)).toBe(true);
    expect(await cache.getJid(jid)).toEqual({});
    expect((await cache.getJob(jid))?.load.fun).toBe('cmd.run');
    await expect(cache.prepJid(new Date(), jid)).rejects.toBeInstanceOf(UsageError);
  });

  it('creates a private directory and file under cachedir', () => {
    expect(localCacheFile({ cachedir: join(dir, 'cachedir') })).toBe(file);
    expect(statSync(join(dir, 'cachedir')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(cache.name).toBe('local_cache');
  });

  it('reserves distinct jids for the same instant, and validates passed ones', async () => {
    const now = new Date(Date.UTC(2026, 10, 28, 17, 18, 5, 987));
    const jids = await Promise.all(Array.from({ length: 50 }, () => cache.prepJid(now)));
    expect(new Set(jids).size).toBe(50);
    for (const jid of jids) expect(jid).toMatch(/^20261128171805\d{6}$/);
    expect(await cache.prepJid(now, '20990101000000000000')).toBe('20990101000000000000');
    await expect(cache.prepJid(now, '20990101000000000000')).rejects.toThrow(/already in the job cache/);
    await expect(cache.prepJid(now, 'abc')).rejects.toBeInstanceOf(UsageError);
    // A reserved jid without a load is not a job yet.
    expect(await cache.getJob(jids[0] as string)).toBeUndefined();
  });

  it('round-trips the load and flat returns, in arrival order; a second return for a host is dropped', async () => {
    const jid = await cache.prepJid(new Date());
    const job = jobRecord(jid, 'cmd.run', ['node1', 'node2', 'node3'], { metadata: { ticket: 'OPS-1' } });
    await cache.saveLoad(job);
    await cache.saveReturn(hostReturn(jid, 'node2', ' 17:18:06 up 38 min'));
    await cache.saveReturn({ ...hostReturn(jid, 'node1', { _error: 'Connection refused', retcode: 255, parsed: null, stdout: '', stderr: 'x' }, 255), out: 'nested' });
    await cache.saveReturn(hostReturn(jid, 'node2', 'replayed'));
    await cache.endJob(jid, job.startedAt + 1500);
    expect(await cache.getJob(jid)).toEqual({ ...job, endedAt: job.startedAt + 1500 });
    const returns = await cache.getJid(jid);
    expect(Object.keys(returns)).toEqual(['node2', 'node1']);
    expect(returns['node2']).toEqual(hostReturn(jid, 'node2', ' 17:18:06 up 38 min'));
    expect(returns['node1']?.success).toBe(false);
    expect(returns['node1']?.retcode).toBe(255);
    expect(returns['node1']?.out).toBe('nested');
    expect(await cache.getJid('20990101000000000000')).toEqual({});
  });

  it('filters jobs by function glob, target, metadata and time, newest first, with paging', async () => {
    const base = Date.UTC(2026, 10, 28, 0, 0, 0);
    const funs = ['cmd.run', 'test.ping', 'cmd.run_all', 'state.apply', 'cmd.run'];
    for (let i = 0; i < 10; i++) {
      const jid = generateJid(new Date(base + i * 3_600_000), 0);
      await cache.prepJid(new Date(base), jid);
      await cache.saveLoad(jobRecord(jid, funs[i % funs.length] as string, ['n1'], { tgt: i % 2 === 0 ? 'web*' : 'db1', metadata: { n: i, team: i < 5 ? 'a' : 'b' } }));
    }
    await cache.prepJid(new Date(base)); // a reservation only: never listed
    const funsOf = async (q: Parameters<LocalJobCache['getJobs']>[0]) => (await cache.getJobs(q)).map((j) => `${j.load.jid.slice(8, 10)}:${j.load.fun}`);
    expect(await funsOf({})).toHaveLength(10);
    expect(await funsOf({ functions: ['cmd.run'] })).toEqual(['09:cmd.run', '05:cmd.run', '04:cmd.run', '00:cmd.run']);
    expect(await funsOf({ functions: ['cmd.*'] })).toHaveLength(6);
    expect(await funsOf({ functions: ['test.ping', 'state.*'] })).toEqual(['08:state.apply', '06:test.ping', '03:state.apply', '01:test.ping']);
    expect(await funsOf({ functions: ['cmd.run_[!x]ll'] })).toEqual(['07:cmd.run_all', '02:cmd.run_all']);
    expect(await funsOf({ functions: ['cmd.run_[a]ll'], targets: ['db[0-9]'] })).toEqual(['07:cmd.run_all']);
    expect(await funsOf({ targets: ['web*'], functions: ['cmd.run'] })).toEqual(['04:cmd.run', '00:cmd.run']);
    expect(await funsOf({ metadata: { n: 3 } })).toEqual(['03:state.apply']);
    expect(await funsOf({ metadata: { n: 3, team: 'b' } })).toHaveLength(6);
    expect(await funsOf({ metadata: { team: 'c' } })).toEqual([]);
    expect(await funsOf({ startTime: base + 2 * 3_600_000, endTime: base + 4 * 3_600_000 })).toEqual(['04:cmd.run', '03:state.apply', '02:cmd.run_all']);
    expect(await funsOf({ limit: 3 })).toEqual(['09:cmd.run', '08:state.apply', '07:cmd.run_all']);
    expect(await funsOf({ limit: 3, offset: 8 })).toEqual(['01:test.ping', '00:cmd.run']);
  });

  it('lists as active only unfinished jobs whose process is alive', async () => {
    const alive = await cache.prepJid(new Date());
    const finished = await cache.prepJid(new Date());
    const orphaned = await cache.prepJid(new Date());
    await cache.saveLoad(jobRecord(alive, 'test.ping', ['a']));
    await cache.saveLoad(jobRecord(finished, 'test.ping', ['a']));
    await cache.endJob(finished, Date.now());
    await cache.saveLoad({ ...jobRecord(orphaned, 'test.ping', ['a']), pid: deadPid() });
    expect((await cache.activeJobs()).map((j) => j.load.jid)).toEqual([alive]);
  });

  it('queues deliveries with the return in one commit; claim, fail, deliver', async () => {
    const jid = await cache.prepJid(new Date());
    await cache.saveLoad(jobRecord(jid, 'test.ping', ['a', 'b', 'c']), ['mysql']);
    for (const id of ['a', 'b', 'c']) await cache.saveReturn(hostReturn(jid, id, true), ['mysql', 'syslog']);
    expect(await cache.listPending()).toEqual([
      { returner: 'mysql', count: 4, oldestJid: jid },
      { returner: 'syslog', count: 3, oldestJid: jid },
    ]);
    const first = await cache.claim('mysql', 2);
    expect(first.map((p) => p.id)).toEqual([null, 'a']);
    const second = await cache.claim('mysql', 10);
    expect(second.map((p) => p.id)).toEqual(['b', 'c']);
    expect(await cache.claim('mysql', 10)).toEqual([]);
    await cache.markFailed('mysql', first, 'ECONNREFUSED 127.0.0.1:3306');
    await cache.markDelivered('mysql', second);
    expect(await cache.listPending('mysql')).toEqual([{ returner: 'mysql', count: 2, oldestJid: jid, lastError: 'ECONNREFUSED 127.0.0.1:3306' }]);
    const retry = await cache.claim('mysql', 10);
    // the claim hands over each item's payload with it (no per-batch re-read of the job)
    expect(retry).toEqual([
      { returner: 'mysql', jid, id: null, attempts: 1, lastError: 'ECONNREFUSED 127.0.0.1:3306', settings: '', payload: { kind: 'load', job: expect.objectContaining({ minions: ['a', 'b', 'c'] }) } },
      { returner: 'mysql', jid, id: 'a', attempts: 1, lastError: 'ECONNREFUSED 127.0.0.1:3306', settings: '', payload: { kind: 'return', ret: expect.objectContaining({ id: 'a', jid }) } },
    ]);
    await cache.markDelivered('mysql', retry);
    expect(await cache.listPending('mysql')).toEqual([]);
  });

  it("re-claims a dead process's claim at once, and a live one's only when stale", async () => {
    const jid = await cache.prepJid(new Date());
    await cache.saveLoad(jobRecord(jid, 'test.ping', ['a']), ['mysql', 'redis']);
    let now = 1_000_000;
    const dead = openLocalCache(file, { pid: deadPid(), clock: () => now });
    const otherLive = openLocalCache(file, { pid: process.ppid, clock: () => now });
    const mine = openLocalCache(file, { clock: () => now });
    try {
      expect(await dead.claim('mysql', 5)).toHaveLength(1);
      expect(await otherLive.claim('redis', 5)).toHaveLength(1);
      expect((await mine.claim('mysql', 5)).map((p) => p.returner)).toEqual(['mysql']);
      expect(await mine.claim('redis', 5)).toEqual([]);
      now += 61_000;
      expect((await mine.claim('redis', 5)).map((p) => p.returner)).toEqual(['redis']);
    } finally {
      await Promise.all([dead.close(), otherLive.close(), mine.close()]);
    }
  });

  it('reports an unusable or corrupt cache file as a CacheError naming the file', () => {
    const corrupt = join(dir, 'corrupt.sqlite');
    writeFileSync(corrupt, 'this is not a database, just text '.repeat(200));
    expect(() => openLocalCache(corrupt)).toThrow(CacheError);
    expect(() => openLocalCache(corrupt)).toThrow(new RegExp(`^job cache ${corrupt}: file is not a database$`));
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    expect(() => openLocalCache(join(blocked, 'jobs.sqlite'))).toThrow(new RegExp(`^job cache ${blocked}/jobs.sqlite: .*(EEXIST|ENOTDIR)`));
    expect(() => localCacheFile({})).toThrow(/cachedir/);
  });
});
