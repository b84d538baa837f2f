import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDoc, listFunctions, listModules } from '../../../src/modules/registry.js';
import { createSysModule } from '../../../src/modules/sys.js';
import { driverEntry, listReturners, RETURNERS } from '../../../src/returners/registry.js';
import { fakeTarget, runLocal, TEST_JID } from './run-local.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brine-sys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('disk.usage', () => {
  it('returns salt\'s per-mountpoint shape from df -P -k', async () => {
    const res = await runLocal('disk.usage');
    const volumes = res.return as Record<string, Record<string, string>>;
    expect(res.retcode).toBe(0);
    expect(Object.keys(volumes['/'] ?? {})).toEqual(['filesystem', '1K-blocks', 'used', 'available', 'capacity']);
    expect(volumes['/']?.['capacity']).toMatch(/^\d+%$/);
    expect(volumes['/']?.['1K-blocks']).toMatch(/^\d+$/);
  });

  it('rejects df flags that would change the output format', async () => {
    await expect(runLocal('disk.usage', ['-h'])).rejects.toThrow("disk.usage: invalid flag 'h'");
  });
});

describe('status', () => {
  it('status.uptime returns salt\'s keys with consistent values', async () => {
    const ret = (await runLocal('status.uptime')).return as Record<string, number | string>;
    expect(ret).toMatchObject({ seconds: expect.any(Number), since_t: expect.any(Number), days: expect.any(Number), users: expect.any(Number) });
    const seconds = ret['seconds'] as number;
    expect(Math.abs((ret['since_t'] as number) + seconds - Date.now() / 1000)).toBeLessThan(5);
    expect(ret['days']).toBe(Math.floor(seconds / 86400));
    expect(ret['time']).toMatch(/^\d+:\d+$/);
    expect(ret['since_iso']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('status.loadavg returns three numbers', async () => {
    const ret = (await runLocal('status.loadavg')).return as Record<string, number>;
    expect(Object.keys(ret)).toEqual(['1-min', '5-min', '15-min']);
    for (const value of Object.values(ret)) expect(value).toBeGreaterThanOrEqual(0);
  });
});

describe('pkg.version', () => {
  it('returns the installed version, empty for a missing package, a dict for several', async () => {
    const one = await runLocal('pkg.version', ['dpkg']);
    expect(one.return).toMatch(/^\d[\w.+:~-]*$/);
    expect((await runLocal('pkg.version', ["brine-no-such'pkg"])).return).toBe('');
    const several = await runLocal('pkg.version', ['dpkg', 'brine-no-such-pkg']);
    expect(several.return).toEqual({ dpkg: one.return, 'brine-no-such-pkg': '' });
  });

  it('needs a name', async () => {
    await expect(runLocal('pkg.version')).rejects.toThrow("pkg.version: missing required argument 'name'");
  });

  it('treats package names such as constructor and __proto__ as plain names', async () => {
    expect((await runLocal('pkg.version', ['constructor'])).return).toBe('');
    expect((await runLocal('pkg.version', ['__proto__', 'toString'])).return).toEqual(Object.fromEntries([['__proto__', ''], ['toString', '']]));
  });
});

describe('service.status', () => {
  it('is False for a service that does not exist', async () => {
    expect(await runLocal('service.status', ['brine-no-such-service'])).toMatchObject({ return: false, retcode: 0 });
  });

  it('matches a signature against running processes, not against its own shell', async () => {
    const marker = `300.${process.pid}${Date.now() % 1000}`;
    const child = spawn('sleep', [marker], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      expect((await runLocal('service.status', ['anything', `sleep ${marker}`])).return).toBe(true);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
    expect((await runLocal('service.status', ['anything', `sleep ${marker}`])).return).toBe(false);
  });
});

describe('file.file_exists', () => {
  it('is True only for a regular file, with any characters in the path', async () => {
    const path = join(dir, "we'ird $name\nx");
    await writeFile(path, 'x');
    expect((await runLocal('file.file_exists', [path])).return).toBe(true);
    expect((await runLocal('file.file_exists', [dir])).return).toBe(false);
    expect((await runLocal('file.file_exists', [`${path}.missing`])).return).toBe(false);
  });
});

describe('sys', () => {
  it('sys.list_modules and sys.list_functions', async () => {
    expect((await runLocal('sys.list_modules')).return).toEqual(['cmd', 'disk', 'file', 'grains', 'pkg', 'service', 'status', 'sys', 'test']);
    expect((await runLocal('sys.list_modules', ['s*'])).return).toEqual(['service', 'status', 'sys']);
    expect((await runLocal('sys.list_functions', ['test'])).return).toEqual(['test.arg', 'test.echo', 'test.ping', 'test.version']);
    expect((await runLocal('sys.list_functions', ['sys.list_*'])).return).toEqual([
      'sys.list_functions', 'sys.list_modules', 'sys.list_returners',
    ]);
  });

  it('sys.doc returns {fun: docstring}', async () => {
    const ret = (await runLocal('sys.doc', ['test.ping'])).return as Record<string, string>;
    expect(ret).toEqual({
      'test.ping': "\n    Used to make sure the minion is up and responding. Not an ICMP ping.\n\n    Returns ``True``.\n\n    CLI Example:\n\n        salt '*' test.ping\n    ",
    });
    expect(Object.keys((await runLocal('sys.doc', ['cmd.run', 'test'])).return as object)).toEqual([
      'cmd.run', 'test.arg', 'test.echo', 'test.ping', 'test.version',
    ]);
  });

  it('sys.list_returners lists the returner registry', async () => {
    const res = await runLocal('sys.list_returners');
    expect(res.return).toEqual([...listReturners()].sort());
    expect(res.command.command).toBe('cat');
  });

  it('sys.list_returners leaves out a returner whose driver is not installed', async () => {
    const missing = driverEntry('brine-test-no-such-driver', () => Promise.reject(new Error('never loaded')));
    const sys = createSysModule({ listModules, listFunctions, getDoc }, { ...RETURNERS, pgsql: missing });
    const call = { fun: 'sys.list_returners', args: [], kwargs: {}, jid: TEST_JID, target: fakeTarget() };
    const command = await sys.functions['list_returners']!.prepare(call);
    expect(JSON.parse(String(command.stdin))).toEqual([...listReturners()].sort());
  });
});
