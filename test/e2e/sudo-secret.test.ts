/**
 * The sudo password through the real CLI, a real sudo (NOPASSWD rule and password rule, tty off and on)
 * and a real MariaDB: it answers sudo's prompt and nothing else, so it is in no stdout, no stderr,
 * no byte of the SQLite job cache (with its -wal) and no MySQL row.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let nopasswd: SshdHarness;
let withPassword: SshdHarness;
let db: TestDatabase;
let cfg: ReturnType<typeof makeConfigDir>;
const results: CliResult[] = [];

const secretOf = (sshd: SshdHarness): string => {
  if (sshd.password === undefined) throw new Error('these tests need root (a throwaway login user with a password)');
  return sshd.password;
};

beforeAll(async () => {
  [nopasswd, withPassword, db] = await Promise.all([startSshd({ sudo: 'nopasswd' }), startSshd({ sudo: 'password' }), createTestDatabase()]);
  const knownHosts = join(withPassword.dir, 'known_hosts-both');
  writeFileSync(knownHosts, `${nopasswd.knownHostsLine()}\n${withPassword.knownHostsLine()}\n`);
  cfg = makeConfigDir({ ssh_known_hosts_file: knownHosts, ...db.opts() });
});

afterAll(async () => {
  cfg?.cleanup();
  await Promise.all([nopasswd?.stop(), withPassword?.stop()]);
  await db?.drop();
});

/** Hosts `plain` and `tty` on one sshd, both `sudo: True` with the login user's password. */
function rosterFor(sshd: SshdHarness): string {
  const entry = (tty: boolean) => ({ host: '127.0.0.1', port: sshd.port, user: sshd.user, priv: sshd.clientKey, passwd: secretOf(sshd), sudo: true, tty });
  const file = join(sshd.dir, 'sudo-roster.json');
  writeFileSync(file, JSON.stringify({ plain: entry(false), tty: entry(true) }));
  return file;
}

async function ssh(sshd: SshdHarness, args: string[]): Promise<CliResult> {
  const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', rosterFor(sshd), ...args, '--return', 'mysql', '--out', 'json', '--static']);
  results.push(res);
  return res;
}

describe.each([
  ['a NOPASSWD rule', () => nopasswd],
  ['a password rule', () => withPassword],
])('the sudo password with %s', (_rule, sshdOf) => {
  it('reaches neither the command nor the output, tty off and on (cmd.run with stdin)', async () => {
    const res = await ssh(sshdOf(), ['*', 'cmd.run', 'head -n 1; id -u', 'stdin=from-stdin\n']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { plain: string; tty: string };
    expect(out.plain).toBe('from-stdin\n0');
    // The pty echoes the command's stdin as typed; the password was read with echo off.
    expect(out.tty.replace(/\r/g, '')).toBe('from-stdin\nfrom-stdin\n0');
  });

  it('is not the first line of cat\'s stdin', async () => {
    const res = await ssh(sshdOf(), ['-L', 'plain', 'cmd.run', 'cat', 'stdin=only-this']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ plain: 'only-this' });
  });

  it('is not written into a cmd.script upload', async () => {
    const script = join(sshdOf().dir, 'show-self.sh');
    writeFileSync(script, '#!/bin/sh\ncat "$0"\n');
    const res = await ssh(sshdOf(), ['-L', 'plain', 'cmd.script', script]);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { plain: { stdout: string } }).plain.stdout).toBe('#!/bin/sh\ncat "$0"');
  });
});

describe('the sudo password, everywhere it could have been kept', () => {
  it('appears in no CLI output, no job cache byte and no MySQL row', async () => {
    expect(results.length).toBeGreaterThanOrEqual(6);
    const secrets = [secretOf(nopasswd), secretOf(withPassword)];
    for (const res of results) for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret);

    const cacheFiles = ['jobs.sqlite', 'jobs.sqlite-wal', 'jobs.sqlite-shm'].map((f) => join(cfg.cachedir, f)).filter((f) => existsSync(f));
    expect(cacheFiles.length).toBeGreaterThan(0);
    const cached = Buffer.concat(cacheFiles.map((f) => readFileSync(f)));
    expect(cached.includes('from-stdin')).toBe(true);
    for (const secret of secrets) expect(cached.includes(secret)).toBe(false);

    const rows = await db.rows<Record<string, unknown>>('SELECT * FROM salt_returns');
    const jids = await db.rows<Record<string, unknown>>('SELECT * FROM jids');
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const stored = JSON.stringify([rows, jids]);
    expect(stored).toContain('from-stdin');
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });
});
