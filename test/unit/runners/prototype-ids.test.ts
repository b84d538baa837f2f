import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { jidToDate } from '../../../src/salt/jid.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import type { HostReturn } from '../../../src/core/job.js';
import * as jobs from '../../../src/runners/jobs.js';
import type { RunnerContext } from '../../../src/runners/types.js';

const JID = '20261128171805987941';
const own = (obj: unknown, key: string): unknown => Object.getOwnPropertyDescriptor(obj, key)?.value;

function ret(id: string, value: unknown, retcode: number): HostReturn {
  return { id, jid: JID, fun: 'cmd.run', fun_args: [], return: value, retcode, success: retcode === 0, _stamp: '2026-11-28T17:18:06.000000' };
}

describe('salt-run jobs.* with host ids __proto__, constructor and toString', () => {
  let dir: string;
  let cache: LocalJobCache;
  let ctx: RunnerContext;

  // `__proto__` failed, `toString` succeeded, `constructor` never returned.
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-proto-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    ctx = { cache, opts: {}, now: () => new Date('2026-11-28T18:00:00Z') };
    const startedAt = jidToDate(JID).getTime();
    await cache.prepJid(new Date(startedAt), JID);
    await cache.saveLoad({
      load: { jid: JID, fun: 'cmd.run', arg: ['true'], tgt: '*', tgt_type: 'glob', user: 'root' },
      minions: ['__proto__', 'constructor', 'toString'],
      startedAt,
      pid: process.pid,
    });
    await cache.saveReturn(ret('__proto__', 'boom', 1));
    await cache.saveReturn(ret('toString', 'fine', 0));
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('getJid keeps every id as an own key', async () => {
    const returns = await cache.getJid(JID);
    expect(Object.keys(returns)).toEqual(['__proto__', 'toString']);
    expect(own(returns, '__proto__')).toMatchObject({ retcode: 1 });
  });

  it('lookup_jid shows __proto__ and marks constructor as missing', async () => {
    const { data } = await jobs.lookupJid.run([JID], { missing: true }, ctx);
    expect(Object.keys(data as object)).toEqual(['__proto__', 'toString', 'constructor']);
    expect(own(data, '__proto__')).toBe('boom');
    expect(own(data, 'constructor')).toBe('Minion did not return');
  });

  it('list_job has __proto__ in Result', async () => {
    const { data } = await jobs.listJob.run([JID], {}, ctx);
    const result = (data as { Result: object }).Result;
    expect(Object.keys(result)).toEqual(['__proto__', 'toString']);
    expect(own(result, '__proto__')).toEqual({ return: 'boom', retcode: 1, success: false });
  });

  it('exit_success is False for the failed __proto__ and the silent constructor, and exits 20', async () => {
    const { data, exitCode } = await jobs.exitSuccess.run([JID], {}, ctx);
    expect(exitCode).toBe(20);
    expect(Object.entries(data as object)).toEqual([
      ['__proto__', false],
      ['toString', true],
      ['constructor', false],
    ]);
  });

  it('active lists constructor as still running', async () => {
    const { data } = await jobs.active.run([], {}, ctx);
    expect((own(data, JID) as { Running: unknown[] }).Running).toEqual([{ constructor: process.pid }]);
  });

  it('refuses constructor and __proto__ kwargs as unknown arguments', async () => {
    for (const key of ['constructor', '__proto__', 'toString']) {
      const kwargs = JSON.parse(`{"${key}": 1}`) as Record<string, unknown>;
      await expect(jobs.lookupJid.run([JID], kwargs, ctx)).rejects.toThrow(UsageError);
    }
  });
});
