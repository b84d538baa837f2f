import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMasterText, readMasterConfig } from '../../../src/config/master.js';
import { parseSaltfile } from '../../../src/config/saltfile.js';
import { clip, describeValue } from '../../../src/config/validate.js';
import { configError } from '../../helpers/config-error.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brine-hostile-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const own = (obj: object, key: string): unknown => Object.getOwnPropertyDescriptor(obj, key)?.value;

describe('master config and Saltfile keys are plain data', () => {
  it('merges master.d files with __proto__ and constructor keys as ordinary keys', async () => {
    await mkdir(join(dir, 'master.d'), { recursive: true });
    await writeFile(join(dir, 'master.d', '10-a.conf'), '__proto__:\n  ssh_user: evil\nconstructor: 1\n');
    await writeFile(join(dir, 'master.d', '20-b.conf'), '__proto__:\n  other: 2\n');
    const { opts } = await readMasterConfig(dir);
    expect(own(opts, '__proto__')).toEqual({ ssh_user: 'evil', other: 2 });
    expect(own(opts, 'constructor')).toBe(1);
    expect(opts['ssh_user']).toBeUndefined();
  });

  it('reads a Saltfile __proto__ key as a key, not a prototype, and refuses it as unknown', () => {
    expect(configError(() => parseSaltfile('salt-ssh:\n  __proto__:\n    ssh_user: evil\n', 'Saltfile'))).toMatch(/^Saltfile: unknown key '__proto__' in salt-ssh:/);
  });

  it('refuses 1 and "1" as keys of one mapping', () => {
    expect(configError(() => parseMasterText('nodegroups:\n  1: a\n  "1": b\n', 'master'))).toBe("master:3:3: YAML error: duplicate key '1'");
  });

  it('names a numeric ssh_passwd or ssh_priv_passwd by its type only', () => {
    for (const key of ['ssh_passwd', 'ssh_priv_passwd']) {
      expect(configError(() => parseMasterText(`${key}: 98765432\n`, 'master'))).toBe(`master: key '${key}' must be a string (quote it) (got a number)`);
    }
  });

  it('refuses a non-string ssh_known_hosts_file instead of falling back to ~/.ssh/known_hosts', () => {
    expect(configError(() => parseMasterText('ssh_known_hosts_file: 5\n', 'master'))).toBe(
      "master: key 'ssh_known_hosts_file' must be a string (got 5)",
    );
  });

  it('refuses ssh_timeout and timeout above 24 days', () => {
    for (const key of ['ssh_timeout', 'timeout']) {
      expect(configError(() => parseMasterText(`${key}: 3000000\n`, 'master'))).toMatch(
        new RegExp(`^master: key '${key}' must be a positive number of seconds up to 2073600 \\(24 days\\)`),
      );
    }
  });

  it('clips long values in errors', () => {
    expect(clip('a'.repeat(201))).toBe(`${'a'.repeat(200)}…`);
    expect(clip('a'.repeat(200))).toBe('a'.repeat(200));
    expect(describeValue('b'.repeat(10_000))).toBe(`'${'b'.repeat(200)}…'`);
  });
});
