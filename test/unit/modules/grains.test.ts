import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGrains, readFacts } from '../../../src/modules/grains-parse.js';
import { runLocal } from './run-local.js';

describe('grains over the local transport', () => {
  it('grains.items returns typed grains with the roster id', async () => {
    const res = await runLocal('grains.items', [], {}, 'web-01');
    expect(res.retcode).toBe(0);
    const grains = res.return as Record<string, unknown>;
    expect(grains['id']).toBe('web-01');
    expect(typeof grains['num_cpus']).toBe('number');
    expect(grains['num_cpus']).toBeGreaterThan(0);
    expect(typeof grains['mem_total']).toBe('number');
    expect(grains['ipv4']).toContain('127.0.0.1');
    expect(Array.isArray(grains['ipv6'])).toBe(true);
    expect(grains['kernel']).toBe('Linux');
    expect(typeof grains['uid']).toBe('number');
    expect(grains['uid']).toBe(process.getuid?.());
    for (const key of ['os', 'os_family', 'kernelrelease', 'cpuarch', 'fqdn', 'host', 'nodename', 'localhost', 'shell', 'path', 'virtual', 'username']) {
      expect(typeof grains[key], key).toBe('string');
    }
    expect(Object.keys(grains)).toEqual(Object.keys(grains).sort());
  });

  it('matches /etc/os-release on this machine', async () => {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    const versionId = /^VERSION_ID="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
    const grains = (await runLocal('grains.items')).return as Record<string, unknown>;
    expect(grains['osrelease']).toBe(versionId);
    expect(grains['osmajorrelease']).toBe(Number.parseInt(versionId ?? '', 10));
  });

  it('grains.item returns the asked keys, missing ones as empty strings', async () => {
    const res = await runLocal('grains.item', ['kernel', 'id', 'nosuch']);
    expect(res.return).toEqual({ kernel: 'Linux', id: 'modules-test-host', nosuch: '' });
  });

  it('grains.get walks nested keys and falls back to the default', async () => {
    expect((await runLocal('grains.get', ['ipv4:0'])).return).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await runLocal('grains.get', ['kernel'])).return).toBe('Linux');
    expect((await runLocal('grains.get', ['nosuch', 'dflt'])).return).toBe('dflt');
    expect((await runLocal('grains.get', ['nosuch'])).return).toBe('');
    expect((await runLocal('grains.get', ['ipv4|0'], { delimiter: '|' })).return).toMatch(/^\d+\./);
  });

  it('rejects bad arguments', async () => {
    await expect(runLocal('grains.items', ['x'])).rejects.toThrow('items() takes 0 positional arguments but 1 was given.');
    await expect(runLocal('grains.get')).rejects.toThrow("grains.get: missing required argument 'key'");
    await expect(runLocal('grains.item', ['os'], { bogus: 1 })).rejects.toThrow("grains.item: unknown keyword argument 'bogus'");
  });
});

describe('grains parsing', () => {
  const facts = (lines: string[]) => readFacts(lines.join('\n'));

  it('maps os-release to salt\'s os, os_family, codename and finger', () => {
    const grains = buildGrains(
      facts(['osrel_ID=rocky', 'osrel_ID_LIKE="rhel centos fedora"', 'osrel_NAME="Rocky Linux"', 'osrel_VERSION_ID="9.3"', 'num_cpus=4', 'ipv4=10.0.0.2', 'ipv4=127.0.0.1', 'fqdn=db1.example.org', 'virt=kvm']),
      'db1',
    );
    expect(grains).toMatchObject({
      os: 'Rocky', os_family: 'RedHat', osrelease: '9.3', osmajorrelease: 9, osrelease_info: [9, 3], osfinger: 'Rocky Linux-9',
      num_cpus: 4, ipv4: ['10.0.0.2', '127.0.0.1'], host: 'db1', domain: 'example.org', virtual: 'kvm',
    });
  });

  it('uses ID_LIKE for unknown distributions and degrades without facts', () => {
    expect(buildGrains(facts(['osrel_ID=mydistro', 'osrel_ID_LIKE=debian']), 'x')).toMatchObject({ os: 'Mydistro', os_family: 'Debian' });
    const bare = buildGrains(facts([]), 'x');
    expect(bare).toMatchObject({ id: 'x', ipv4: [], ipv6: [], virtual: 'physical', host: '', domain: '' });
    expect(bare).not.toHaveProperty('num_cpus');
  });

  it('Debian codename and docker detection', () => {
    const grains = buildGrains(facts(['osrel_ID=debian', 'osrel_NAME="Debian GNU/Linux"', 'osrel_VERSION="12 (bookworm)"', 'osrel_VERSION_ID="12"', 'virt=docker']), 'x');
    expect(grains).toMatchObject({ osfullname: 'Debian', oscodename: 'bookworm', osfinger: 'Debian-12', virtual: 'container', virtual_subtype: 'Docker' });
  });
});
