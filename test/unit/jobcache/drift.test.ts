import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { createDriftTracker, driftStatus, summarizeReturn } from '../../../src/jobcache/drift.js';
import { jobFingerprint } from '../../../src/jobcache/fingerprint.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { SCHEMA_VERSION } from '../../../src/jobcache/schema.js';
import { openSqliteFile } from '../../../src/jobcache/sqlite.js';
import { jidToDate } from '../../../src/salt/jid.js';


function ret(jid: string, id: string, value: unknown, retcode = 0): HostReturn {
  return { id, jid, fun: 'cmd.run', fun_args: [], return: value, retcode, success: retcode === 0, _stamp: '2026-11-28T17:18:06.000000' };
}

interface JobSpec {
  jid: string;
  arg?: string[];
  tgt?: string;
  returns?: Array<[string, unknown, number?]>;
  end?: 'ended' | 'running' | 'interrupted';
}

async function addJob(cache: LocalJobCache, spec: JobSpec): Promise<void> {
  const startedAt = jidToDate(spec.jid).getTime();
  await cache.prepJid(new Date(startedAt), spec.jid);
  const load = { jid: spec.jid, fun: 'cmd.run', arg: spec.arg ?? ['cat /etc/motd'], tgt: spec.tgt ?? 'web*', tgt_type: 'glob', user: 'root' };
  await cache.saveLoad({ load, minions: (spec.returns ?? []).map(([id]) => id), startedAt, pid: process.pid });
  for (const [id, value, retcode] of spec.returns ?? []) await cache.saveReturn(ret(spec.jid, id, value, retcode));
  if (spec.end !== 'running') await cache.endJob(spec.jid, startedAt + 1000, spec.end === 'interrupted');
}

describe('job fingerprint', () => {
  const load = { fun: 'cmd.run', arg: ['ls', 'cwd=/tmp', 'timeout=30'], tgt: 'web*', tgt_type: 'glob' };

  it('is the same for keyword arguments in another order', () => {
    expect(jobFingerprint({ ...load, arg: ['ls', 'timeout=30', 'cwd=/tmp'] })).toBe(jobFingerprint(load));
  });

  it('differs by function, positional order, argument value, target and target type', () => {
    const base = jobFingerprint(load);
    expect(jobFingerprint({ ...load, fun: 'cmd.run_all' })).not.toBe(base);
    expect(jobFingerprint({ ...load, arg: ['ls', 'cwd=/var', 'timeout=30'] })).not.toBe(base);
    expect(jobFingerprint({ ...load, tgt: 'db*' })).not.toBe(base);
    expect(jobFingerprint({ ...load, tgt_type: 'pcre' })).not.toBe(base);
    expect(jobFingerprint({ fun: 'test.arg', arg: ['a', 'b'], tgt: '*', tgt_type: 'glob' })).not.toBe(
      jobFingerprint({ fun: 'test.arg', arg: ['b', 'a'], tgt: '*', tgt_type: 'glob' }),
    );
  });
});

describe('drift status', () => {
  const ok = (value: unknown) => summarizeReturn({ return: value, retcode: 0, success: true });
  const bad = (value: unknown, retcode = 1) => summarizeReturn({ return: value, retcode, success: false });

  it('names each transition', () => {
    expect(driftStatus(ok('a'), ok('a'))).toBe('unchanged');
    expect(driftStatus(ok('a'), ok('b'))).toBe('changed');
    expect(driftStatus(undefined, ok('a'))).toBe('new');
    expect(driftStatus(ok('a'), undefined)).toBe('missing');
    expect(driftStatus(ok('a'), bad('a'))).toBe('newly_failing');
    expect(driftStatus(bad('a'), ok('a'))).toBe('recovered');
    expect(driftStatus(bad('a'), bad('a'))).toBe('unchanged');
    expect(driftStatus(bad('a', 1), bad('a', 2))).toBe('changed');
  });

  it('ignores key order inside dicts', () => {
    expect(driftStatus(ok({ a: 1, b: [1, { c: 2, d: 3 }] }), ok({ b: [1, { d: 3, c: 2 }], a: 1 }))).toBe('unchanged');
  });
});

describe('predecessor lookup', () => {
  let dir: string;
  let cache: LocalJobCache;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brine-drift-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the newest earlier finished run of the same function, arguments and target', async () => {
    await addJob(cache, { jid: '20261128100000000000' });
    await addJob(cache, { jid: '20261128110000000000' });
    await addJob(cache, { jid: '20261128113000000000', arg: ['cat /etc/hosts'] });
    await addJob(cache, { jid: '20261128114000000000', tgt: 'db*' });
    await addJob(cache, { jid: '20261128115000000000', end: 'interrupted' });
    await addJob(cache, { jid: '20261128115500000000', end: 'running' });
    await addJob(cache, { jid: '20261128120000000000' });
    expect((await cache.predecessorOf('20261128120000000000'))?.load.jid).toBe('20261128110000000000');
    expect((await cache.predecessorOf('20261128110000000000'))?.load.jid).toBe('20261128100000000000');
    expect(await cache.predecessorOf('20261128100000000000')).toBeUndefined();
    expect(await cache.predecessorOf('20261128113000000000')).toBeUndefined();
    expect(await cache.predecessorOf('20991128113000000000')).toBeUndefined();
  });

  it('uses the fingerprint index, not a scan', () => {
    const db = openSqliteFile(join(dir, 'jobs.sqlite'), { timeoutMs: 1000 });
    try {
      const plan = db
        .prepare<[], { detail: string }>("EXPLAIN QUERY PLAN SELECT jid FROM jobs WHERE fingerprint = 'x' AND started_at < 5 ORDER BY started_at DESC LIMIT 1")
        .all();
      expect(plan.map((p) => p.detail).join(' ')).toContain('USING INDEX jobs_fingerprint');
    } finally {
      db.close();
    }
  });

  it('classifies a new run against its predecessor once per host', async () => {
    await addJob(cache, { jid: '20261128100000000000', returns: [['web1', 'a'], ['web2', 'b'], ['web3', 'c'], ['web4', 'd', 1]] });
    await addJob(cache, { jid: '20261128110000000000', end: 'running' });
    const tracker = createDriftTracker(cache);
    const now = '20261128110000000000';
    expect(await tracker.statusOf(ret(now, 'web1', 'a'))).toBe('unchanged');
    expect(await tracker.statusOf(ret(now, 'web2', 'B'))).toBe('changed');
    expect(await tracker.statusOf(ret(now, 'web3', 'c', 255))).toBe('newly_failing');
    expect(await tracker.statusOf(ret(now, 'web4', 'd'))).toBe('recovered');
    expect(await tracker.statusOf(ret(now, 'web5', 'e'))).toBe('new');
    expect((await tracker.baseline(now)).predecessor?.load.jid).toBe('20261128100000000000');
  });

  it('opens a cache of the previous schema version and fingerprints its jobs', async () => {
    await addJob(cache, { jid: '20261128100000000000', returns: [['web1', 'a']] });
    await cache.close();
    // Turn the file back into a version-5 cache: no fingerprint column, no index.
    const db = openSqliteFile(join(dir, 'jobs.sqlite'), { timeoutMs: 1000 });
    db.exec('DROP INDEX jobs_fingerprint; ALTER TABLE jobs DROP COLUMN fingerprint;');
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    db.close();
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    await addJob(cache, { jid: '20261128110000000000', returns: [['web1', 'b']] });
    expect((await cache.predecessorOf('20261128110000000000'))?.load.jid).toBe('20261128100000000000');
  });
});
