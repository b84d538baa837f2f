import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoMatchError } from '../../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { generateJid } from '../../../src/salt/jid.js';
import { selectHosts, withSshTarget } from '../../../src/run/target-hosts.js';
import type { HostTarget } from '../../../src/transport/types.js';

const ROSTER = ['web1', 'web2', 'db1'];
const nothingResolves = (): Promise<unknown> => Promise.reject(new Error('ENOTFOUND'));
const everythingResolves = (): Promise<unknown> => Promise.resolve({ address: '10.0.0.9' });

describe('selecting hosts', () => {
  let dir: string;
  let cache: LocalJobCache;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'brine-select-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const select = (tgt: string, type: 'glob' | 'list' | 'grain' = 'glob', resolveHost = nothingResolves) =>
    selectHosts(tgt, type, ROSTER, {}, cache, { resolveHost });

  it('matches the roster first, then user@id over roster ids', async () => {
    expect(await select('web*')).toEqual({ ids: ['web1', 'web2'] });
    expect(await select('root@web*')).toEqual({ ids: ['web1', 'web2'], sshTarget: { user: 'root', host: 'web*' } });
    expect(await select('deploy@db1:2222')).toEqual({ ids: ['db1'], sshTarget: { user: 'deploy', host: 'db1', port: 2222 } });
  });

  it('names a host outside the roster by user@host[:port], or by a bare name that resolves', async () => {
    expect(await select('root@10.0.0.7')).toEqual({ ids: ['10.0.0.7'], sshTarget: { user: 'root', host: '10.0.0.7' } });
    expect(await select('10.0.0.7:2200')).toEqual({ ids: ['10.0.0.7'], sshTarget: { host: '10.0.0.7', port: 2200 } });
    expect(await select('bastion.example', 'glob', everythingResolves)).toEqual({ ids: ['bastion.example'], sshTarget: { host: 'bastion.example' } });
    await expect(select('typo1')).rejects.toThrow(NoMatchError);
    await expect(select('nomatch*', 'glob', everythingResolves)).rejects.toThrow(NoMatchError);
    await expect(select('root@nomatch*')).rejects.toThrow(NoMatchError);
    await expect(select('web9', 'list', everythingResolves)).rejects.toThrow(NoMatchError);
  });

  it('applies the target user and port over the resolved host', () => {
    const target = { id: 'db1', host: '10.0.0.3', port: 22, user: 'me' } as HostTarget;
    expect(withSshTarget(target, { host: 'db1', user: 'root', port: 2222 })).toMatchObject({ host: '10.0.0.3', user: 'root', port: 2222 });
    expect(withSshTarget(target, undefined)).toBe(target);
  });

  it('-G reads the newest successful grains.items per host from the job cache', async () => {
    await expect(select('os:Debian', 'grain')).rejects.toThrow(/^-G\/--grain: no roster host has cached grains/);
    const save = async (second: number, returns: Array<[string, unknown, boolean]>) => {
      const jid = generateJid(new Date(Date.UTC(2026, 0, 1, 0, 0, second)), 0);
      await cache.prepJid(new Date(), jid);
      await cache.saveLoad({ load: { jid, fun: 'grains.items', arg: [], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: returns.map(([id]) => id), startedAt: 0 });
      for (const [id, value, success] of returns) {
        await cache.saveReturn({ id, jid, fun: 'grains.items', fun_args: [], return: value, retcode: success ? 0 : 255, success, _stamp: '2026-01-01T00:00:00.000000' });
      }
    };
    await save(1, [['web1', { os: 'CentOS' }, true], ['web2', { os: 'Debian' }, true]]);
    await save(2, [['web1', { os: 'Debian' }, true], ['web2', { _error: 'Connection refused' }, false]]);
    expect(await select('os:Debian', 'grain')).toEqual({ ids: ['web1', 'web2'] });
    await expect(select('os:Cent*', 'grain')).rejects.toThrow('No matching targets found in roster (-G matched the cached grains of 2 of 3 hosts).');
  });
});
