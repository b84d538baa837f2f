import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { generateJid } from '../../../src/salt/jid.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { applyRetention, RUN_START_BATCH } from '../../../src/jobcache/retention.js';
import { keepJobsSeconds } from '../../../src/salt/retention.js';

const HOUR = 3_600_000;

describe('keepJobsSeconds (salt get_keep_jobs_seconds)', () => {
  it('defaults to a day; keep_jobs_seconds wins unless unchanged while keep_jobs changed', () => {
    expect(keepJobsSeconds({})).toBe(86_400);
    expect(keepJobsSeconds({ keep_jobs_seconds: 600 })).toBe(600);
    expect(keepJobsSeconds({ keep_jobs: 2 })).toBe(7200);
    expect(keepJobsSeconds({ keep_jobs: 2, keep_jobs_seconds: 600 })).toBe(600);
    expect(keepJobsSeconds({ keep_jobs: 2, keep_jobs_seconds: 86_400 })).toBe(7200);
    expect(keepJobsSeconds({ keep_jobs_seconds: 0 })).toBe(0);
    expect(keepJobsSeconds({ keep_jobs: 0 })).toBe(0);
    expect(keepJobsSeconds({ keep_jobs_seconds: '3600' })).toBe(3600);
  });

  it('rejects a bad value with a ConfigError naming the key', () => {
    expect(() => keepJobsSeconds({ keep_jobs_seconds: 'a day' })).toThrow(ConfigError);
    expect(() => keepJobsSeconds({ keep_jobs_seconds: -1 })).toThrow(/^keep_jobs_seconds: expected a non-negative number, got -1$/);
    expect(() => keepJobsSeconds({ keep_jobs: true })).toThrow(/^keep_jobs: /);
  });
});

describe('retention on the local cache', () => {
  let dir: string;
  let cache: LocalJobCache;
  const now = new Date(Date.UTC(2026, 10, 28, 12, 0, 0));

  /** Jobs `ageHours` old, each with two returns, queued for delivery to `forwardTo`. */
  async function addJobs(count: number, ageHours: number, forwardTo: string[] = []): Promise<string[]> {
    const jids: string[] = [];
    for (let i = 0; i < count; i++) {
      const startedAt = now.getTime() - ageHours * HOUR + i;
      const jid = await cache.prepJid(new Date(startedAt));
      await cache.saveLoad({ load: { jid, fun: 'test.ping', arg: [], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: ['a', 'b'], startedAt }, forwardTo);
      for (const id of ['a', 'b']) {
        await cache.saveReturn({ id, jid, fun: 'test.ping', fun_args: [], return: true, retcode: 0, success: true, _stamp: '' }, forwardTo);
      }
      jids.push(jid);
    }
    return jids;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brine-retention-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes old jobs with their returns, keeps new ones', async () => {
    const old = await addJobs(3, 30);
    const fresh = await addJobs(2, 1, ['mysql']);
    expect(await applyRetention(cache, {}, now)).toBe(3);
    for (const jid of old) {
      expect(await cache.getJob(jid)).toBeUndefined();
      expect(await cache.getJid(jid)).toEqual({});
    }
    for (const jid of fresh) expect(Object.keys(await cache.getJid(jid))).toEqual(['a', 'b']);
    expect(await cache.listPending()).toEqual([{ returner: 'mysql', count: 6, oldestJid: fresh[0] }]);
    await cache.markDelivered('mysql', await cache.claim('mysql', 100));
    expect(await applyRetention(cache, { keep_jobs_seconds: 1800 }, now)).toBe(2);
    expect(await cache.getJobs({})).toEqual([]);
  });

  it('never deletes undelivered returns: keeps their job, says what it kept and why', async () => {
    const [held] = await addJobs(1, 30, ['mysql', 'event:mysql']);
    const [gone] = await addJobs(1, 30);
    const warnings: string[] = [];
    expect(await applyRetention(cache, {}, now, RUN_START_BATCH, (line) => warnings.push(line))).toBe(1);
    expect(await cache.getJob(gone ?? '')).toBeUndefined();
    expect(Object.keys(await cache.getJid(held ?? ''))).toEqual(['a', 'b']);
    expect(await cache.listPending()).toEqual([
      { returner: 'event:mysql', count: 3, oldestJid: held },
      { returner: 'mysql', count: 3, oldestJid: held },
    ]);
    expect(warnings).toEqual([
      '[WARNING ] keep_jobs_seconds: kept 1 job past retention: 6 deliveries to event:mysql, mysql still pending (salt-run returners.pending)',
    ]);
    // jobs.clean (all batches) keeps it too; once delivered, it goes
    expect(await cache.cleanOldJobs(now.getTime() - 24 * HOUR)).toBe(0);
    for (const queue of ['mysql', 'event:mysql']) await cache.markDelivered(queue, await cache.claim(queue, 100));
    warnings.length = 0;
    expect(await applyRetention(cache, {}, now, RUN_START_BATCH, (line) => warnings.push(line))).toBe(1);
    expect(warnings).toEqual([]);
    expect(await cache.getJobs({})).toEqual([]);
  });

  it('keeps an old job whose brine process is still running', async () => {
    const startedAt = now.getTime() - 30 * HOUR;
    const jid = await cache.prepJid(new Date(startedAt));
    await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['sleep 1d'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: ['a'], startedAt, pid: process.pid });
    await addJobs(1, 30);
    expect(await applyRetention(cache, {}, now)).toBe(1);
    expect(await cache.getJob(jid)).toBeDefined();
    await cache.endJob(jid, now.getTime());
    expect(await applyRetention(cache, {}, now)).toBe(1);
  });

  it('keeps everything with 0', async () => {
    await addJobs(2, 24 * 365);
    expect(await applyRetention(cache, { keep_jobs_seconds: 0 }, now)).toBe(0);
    expect(await applyRetention(cache, { keep_jobs: 0 }, now)).toBe(0);
    expect(await cache.getJobs({})).toHaveLength(2);
  });

  it('removes at most one batch per run start; cleanOldJobs removes all in bounded batches', async () => {
    await addJobs(25, 48);
    const recent = await addJobs(1, 0);
    expect(await applyRetention(cache, {}, now, 10)).toBe(10);
    expect(await cache.getJobs({})).toHaveLength(16);
    expect(await cache.cleanOldJobs(now.getTime() - 24 * HOUR, 4, 2)).toBe(8);
    expect(await cache.cleanOldJobs(now.getTime() - 24 * HOUR, 4)).toBe(7);
    expect((await cache.getJobs({})).map((j) => j.load.jid)).toEqual(recent);
  });

  it('cleans reservations that never got a load because their process died', async () => {
    const jid = generateJid(new Date(now.getTime() - 48 * HOUR), 0);
    const crashed = openLocalCache(join(dir, 'jobs.sqlite'), { pid: spawnSync('true').pid ?? 0 });
    await crashed.prepJid(new Date(now.getTime() - 48 * HOUR), jid);
    await crashed.close();
    expect(await applyRetention(cache, {}, now)).toBe(1);
    // The jid is free again once the reservation is gone.
    expect(await cache.prepJid(now, jid)).toBe(jid);
  });
});
