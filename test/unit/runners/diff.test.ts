import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { ExitCode, JidNotFoundError, UsageError } from '../../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { diff } from '../../../src/runners/diff.js';
import { listJobs } from '../../../src/runners/jobs.js';
import { loadRunner } from '../../../src/runners/registry.js';
import { unifiedDiff } from '../../../src/runners/text-diff.js';
import type { RunnerContext } from '../../../src/runners/types.js';
import { jidToDate } from '../../../src/salt/jid.js';

const J1 = '20261128100000000000';
const J2 = '20261128110000000000';
const J_OTHER = '20261128113000000000';
const J3 = '20261128120000000000';
const REFUSED = { _error: 'Connection refused', stdout: '', stderr: 'ssh: connect to host 127.0.0.1 port 1: Connection refused', retcode: 255 };

function ret(jid: string, id: string, value: unknown, retcode = 0): HostReturn {
  return { id, jid, fun: 'cmd.run', fun_args: [], return: value, retcode, success: retcode === 0, _stamp: '2026-11-28T17:18:06.000000' };
}

async function addJob(cache: LocalJobCache, jid: string, arg: string[], returns: Array<[string, unknown, number?]>): Promise<void> {
  const startedAt = jidToDate(jid).getTime();
  await cache.prepJid(new Date(startedAt), jid);
  const load = { jid, fun: 'cmd.run', arg, tgt: 'web*', tgt_type: 'glob', user: 'root' };
  await cache.saveLoad({ load, minions: returns.map(([id]) => id), startedAt, pid: process.pid });
  for (const [id, value, retcode] of returns) await cache.saveReturn(ret(jid, id, value, retcode));
  await cache.endJob(jid, startedAt + 1000);
}

describe('unified diff', () => {
  it('prints hunks with three lines of context', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
    const after = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h', 'i', 'j'].join('\n');
    expect(unifiedDiff(before, after)).toBe(['@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h'].join('\n'));
  });

  it('shows insertions and deletions, and separate hunks for distant changes', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const after = [...lines.slice(0, 1), 'new', ...lines.slice(1, 18), ...lines.slice(19)];
    expect(unifiedDiff(lines.join('\n'), after.join('\n'))).toBe(
      ['@@ -1,4 +1,5 @@', ' l1', '+new', ' l2', ' l3', ' l4', '@@ -16,5 +17,4 @@', ' l16', ' l17', ' l18', '-l19', ' l20'].join('\n'),
    );
  });

  it('is empty for equal texts and handles empty sides', () => {
    expect(unifiedDiff('x\ny', 'x\ny')).toBe('');
    expect(unifiedDiff('', 'a')).toBe(['@@ -0,0 +1 @@', '+a'].join('\n'));
    expect(unifiedDiff('a', '')).toBe(['@@ -1 +0,0 @@', '-a'].join('\n'));
  });

  it('stays fast on a large output with one changed line', () => {
    const before = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[25_000] = 'changed';
    const started = performance.now();
    expect(unifiedDiff(before.join('\n'), after.join('\n'))).toContain('-line 25000\n+changed');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('falls back to removed-then-added when the texts share nothing', () => {
    const before = Array.from({ length: 3_000 }, (_, i) => `a${i}`).join('\n');
    const after = Array.from({ length: 3_000 }, (_, i) => `b${i}`).join('\n');
    const text = unifiedDiff(before, after);
    expect(text.startsWith('@@ -1,3000 +1,3000 @@\n-a0\n')).toBe(true);
    expect(text.split('\n').filter((l) => l.startsWith('+'))).toHaveLength(3_000);
  });
});

describe('salt-run jobs.diff', () => {
  let dir: string;
  let cache: LocalJobCache;
  let ctx: RunnerContext;
  let warnings: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-diff-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    warnings = [];
    ctx = { cache, opts: {}, now: () => new Date('2026-11-28T18:00:00Z'), warn: (line) => warnings.push(line) };
    const args = ['cat /etc/motd'];
    await addJob(cache, J1, args, [['web1', 'hello\nworld'], ['web2', 'same'], ['web3', 'up'], ['web4', REFUSED, 255], ['web5', 'gone soon']]);
    await addJob(cache, J2, args, [['web1', 'hello\nthere'], ['web2', 'same'], ['web3', REFUSED, 255], ['web4', 'back'], ['web6', 'fresh']]);
    await addJob(cache, J_OTHER, ['uptime'], [['web1', 'up 1 day']]);
    await addJob(cache, J3, args, [['web1', 'hello\nthere'], ['web2', 'same']]);
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is registered', async () => {
    expect(await loadRunner('jobs.diff')).toBe(diff);
  });

  it('reports each host against the predecessor and exits 3 when anything changed', async () => {
    const result = await diff.run([J2], {}, ctx);
    expect(result.exitCode).toBe(ExitCode.CHANGED);
    expect(result.data).toEqual({
      jid: J2,
      predecessor: J1,
      Function: 'cmd.run',
      Arguments: ['cat /etc/motd'],
      Target: 'web*',
      summary: { changed: 1, newly_failing: 1, recovered: 1, new: 1, missing: 1, unchanged: 1 },
      changed: { web1: '@@ -1,2 +1,2 @@\n hello\n-world\n+there' },
      newly_failing: { web3: REFUSED },
      recovered: { web4: 'back' },
      new: { web6: 'fresh' },
      missing: ['web5'],
      unchanged: ['web2'],
    });
  });

  it('defaults to the newest job, skipping other audits in between, and exits 0 when nothing changed', async () => {
    const result = await diff.run([], {}, ctx);
    expect(result.exitCode).toBe(ExitCode.CHANGED);
    expect(result.data).toMatchObject({ jid: J3, predecessor: J2, unchanged: ['web1', 'web2'], missing: ['web3', 'web4', 'web6'] });
    const same = await diff.run([J3, J3], {}, ctx);
    expect(same.exitCode).toBe(ExitCode.OK);
    expect(same.data).toMatchObject({ summary: { changed: 0, newly_failing: 0, recovered: 0, new: 0, missing: 0, unchanged: 2 } });
  });

  it('compares any two jobs given by jid, as other_jid= too', async () => {
    const result = await diff.run([J3], { other_jid: J1 }, ctx);
    expect(result.data).toMatchObject({ predecessor: J1, changed: { web1: '@@ -1,2 +1,2 @@\n hello\n-world\n+there' } });
  });

  it('shows a retcode-only change', async () => {
    const J4 = '20261128130000000000';
    await addJob(cache, J4, ['cat /etc/motd'], [['web1', 'hello\nthere', 0], ['web2', 'same', 3]]);
    const result = await diff.run([J4], {}, ctx);
    expect(result.data).toMatchObject({ newly_failing: { web2: 'same' } });
    const J5 = '20261128140000000000';
    await addJob(cache, J5, ['cat /etc/motd'], [['web1', 'hello\nthere', 0], ['web2', 'same', 4]]);
    expect((await diff.run([J5], {}, ctx)).data).toMatchObject({ changed: { web2: 'retcode: 3 -> 4' } });
  });

  it('calls every host new for a first run, with a note', async () => {
    const result = await diff.run([J_OTHER], {}, ctx);
    expect(result.exitCode).toBe(ExitCode.CHANGED);
    expect(result.data).toMatchObject({ predecessor: null, new: { web1: 'up 1 day' } });
    expect(warnings).toEqual([`[NOTE    ] jobs.diff: jid ${J_OTHER} has no earlier finished run of the same function, arguments and target; every host is new`]);
  });

  it('refuses an unknown jid and a bad argument in one line', async () => {
    await expect(diff.run(['20261128000000000000'], {}, ctx)).rejects.toThrow(JidNotFoundError);
    await expect(diff.run([J2, '20261128000000000000'], {}, ctx)).rejects.toThrow('jid 20261128000000000000 is not in the job cache');
    await expect(diff.run(['nope'], {}, ctx)).rejects.toThrow(UsageError);
    await expect(diff.run([], { nosuch: 1 }, ctx)).rejects.toThrow("jobs.diff: unexpected argument 'nosuch'");
  });
});

describe('salt-run jobs.list_jobs search_arguments', () => {
  let dir: string;
  let cache: LocalJobCache;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-diff-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    await addJob(cache, J1, ['cat /etc/motd'], []);
    await addJob(cache, J2, ['cat /etc/hosts', 'timeout=30'], []);
    await addJob(cache, J3, ['uptime'], []);
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('filters by a glob over the arguments joined with spaces', async () => {
    const ctx: RunnerContext = { cache, opts: {}, now: () => new Date() };
    const list = async (glob: string) => Object.keys((await listJobs.run([], { search_arguments: glob }, ctx)).data as object);
    expect(await list('cat /etc/*')).toEqual([J2, J1]);
    expect(await list('*timeout=30')).toEqual([J2]);
    expect(await list('uptime')).toEqual([J3]);
    expect(await list('cat /etc/[m]otd')).toEqual([J1]);
  });
});
