import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { alertPolicies, createReturnRouter, parseReturnOnly } from '../../../src/delivery/alert-filter.js';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { createDriftTracker } from '../../../src/jobcache/drift.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import type { JobCache } from '../../../src/jobcache/types.js';
import { jidToDate } from '../../../src/salt/jid.js';

const J1 = '20261128100000000000';
const J2 = '20261128110000000000';

function ret(jid: string, id: string, value: unknown, retcode = 0): HostReturn {
  return { id, jid, fun: 'cmd.run', fun_args: [], return: value, retcode, success: retcode === 0, _stamp: '2026-11-28T17:18:06.000000' };
}

async function addJob(cache: LocalJobCache, jid: string, returns: HostReturn[], ended = true): Promise<void> {
  const startedAt = jidToDate(jid).getTime();
  await cache.prepJid(new Date(startedAt), jid);
  await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['cat /etc/motd'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: [], startedAt, pid: 1 });
  for (const r of returns) await cache.saveReturn(r);
  if (ended) await cache.endJob(jid, startedAt + 1000);
}

describe('return_only values', () => {
  it('reads failed, changed, both, and all', () => {
    expect(parseReturnOnly('failed', '--return-only', true)).toEqual(new Set(['failed']));
    expect(parseReturnOnly(' changed , failed ', 'mysql.return_only', false)).toEqual(new Set(['failed', 'changed']));
    expect(parseReturnOnly('all', '--return-only', true)).toBeUndefined();
  });

  it('refuses anything else in one line: a usage error for the flag, a config error for the key', () => {
    expect(() => parseReturnOnly('drifted', '--return-only', true)).toThrow(UsageError);
    expect(() => parseReturnOnly('drifted', '--return-only', true)).toThrow("--return-only: expected failed, changed, failed,changed or all, got 'drifted'");
    expect(() => parseReturnOnly('', 'mysql.return_only', false)).toThrow(ConfigError);
    expect(() => parseReturnOnly('all,failed', 'mysql.return_only', false)).toThrow("'all' cannot be combined");
  });
});

describe('alert policies', () => {
  const warn = (lines: string[]) => (line: string) => lines.push(line);

  it('takes <returner>.return_only from the config, <return_config>.<returner>.return_only first', () => {
    const opts = { 'mysql.return_only': 'failed', 'alternative.mysql.return_only': 'changed' };
    expect(alertPolicies({ return: 'mysql' }, opts, warn([]))).toEqual(new Map([['mysql', new Set(['failed'])]]));
    expect(alertPolicies({ return: 'mysql', returnConfig: 'alternative' }, opts, warn([]))).toEqual(new Map([['mysql', new Set(['changed'])]]));
  });

  it('lets --return-only override the config for every --return returner', () => {
    const opts = { 'mysql.return_only': 'failed' };
    expect(alertPolicies({ return: 'mysql', returnOnly: 'changed' }, opts, warn([]))).toEqual(new Map([['mysql', new Set(['changed'])]]));
    expect(alertPolicies({ return: 'mysql', returnOnly: 'all' }, opts, warn([]))).toEqual(new Map());
  });

  it('never filters the master job cache, and says so', () => {
    const lines: string[] = [];
    expect(alertPolicies({ return: 'mysql', returnOnly: 'failed' }, { master_job_cache: 'mysql' }, warn(lines))).toEqual(new Map());
    expect(lines).toEqual(['[WARNING ] mysql.return_only ignored: mysql is the master_job_cache, which keeps every return']);
  });

  it('refuses --return-only without --return, and a bad config value naming the key', () => {
    expect(() => alertPolicies({ returnOnly: 'failed' }, {}, warn([]))).toThrow('--return-only: needs --return');
    expect(() => alertPolicies({ return: 'mysql' }, { 'mysql.return_only': 'sometimes' }, warn([]))).toThrow(/^mysql\.return_only: expected/);
  });
});

describe('return router', () => {
  let dir: string;
  let cache: LocalJobCache;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-alert-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    await addJob(cache, J1, [ret(J1, 'web1', 'a'), ret(J1, 'web2', 'b'), ret(J1, 'web3', 'c', 1)]);
    await addJob(cache, J2, [], false);
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const forwardTo = [{ queue: 'mysql', settings: '' }, 'event:mysql'];

  it('queues only failed or changed returns to a filtered returner; other queues get every return', async () => {
    const router = createReturnRouter(forwardTo, new Map([['mysql', new Set(['failed', 'changed'] as const)]]), createDriftTracker(cache), () => {});
    if (router === undefined) throw new Error('expected a router');
    expect(await router(ret(J2, 'web1', 'a'))).toEqual(['event:mysql']);
    expect(await router(ret(J2, 'web2', 'B'))).toEqual(forwardTo);
    expect(await router(ret(J2, 'web3', 'c', 1))).toEqual(forwardTo);
    expect(await router(ret(J2, 'web4', 'new host'))).toEqual(forwardTo);
  });

  it('with failed alone, sends a failure every run but not a change', async () => {
    const router = createReturnRouter(['mysql'], new Map([['mysql', new Set(['failed'] as const)]]), createDriftTracker(cache), () => {});
    expect(await router?.(ret(J2, 'web2', 'B'))).toEqual([]);
    expect(await router?.(ret(J2, 'web3', 'c', 1))).toEqual(['mysql']);
  });

  it('is absent when no queue of the run is filtered', () => {
    expect(createReturnRouter(['mysql'], new Map(), createDriftTracker(cache), () => {})).toBeUndefined();
  });

  it('sends every return, with one warning, when the previous run cannot be read', async () => {
    const broken: JobCache = Object.assign(Object.create(cache) as LocalJobCache, {
      predecessorOf: () => Promise.reject(new Error('disk I/O error')),
    });
    const lines: string[] = [];
    const router = createReturnRouter(['mysql'], new Map([['mysql', new Set(['changed'] as const)]]), createDriftTracker(broken), (l) => lines.push(l));
    expect(await router?.(ret(J2, 'web1', 'a'))).toEqual(['mysql']);
    expect(await router?.(ret(J2, 'web2', 'b'))).toEqual(['mysql']);
    expect(lines).toEqual(['[WARNING ] return_only: cannot compare with the previous run (disk I/O error); sending every return']);
  });
});
