/**
 * A scheduled audit run the way cron runs it: `env -i` with PATH, HOME and SHELL only, no TTY, the
 * config by `-c`, three times over three real sshds. Between runs one host's audited file changes and
 * another host stops. Checks `--changes`, `salt-run jobs.diff`, the exit codes, that the alert
 * returner (mysql with `mysql.return_only: failed,changed`) got only the hosts that drifted, and that
 * a run overlapping a held one is skipped by `--lock`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { cliCommand, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

const AUDIT = ['*', 'cmd.run', 'cat ~/audit.conf', '--lock', '--changes', '--return', 'mysql', '--static', '--out', 'json'];

let hosts: SshdHarness[];
let db: TestDatabase;
let dir: string;
let configDir: string;
let home: string;

/** The CLI under cron's environment: nothing inherited, stdin/stdout/stderr are pipes, not a terminal. */
function cron(bin: 'salt-ssh' | 'salt-run', args: readonly string[]): { done: Promise<CliResult> } {
  const cli = cliCommand(bin);
  const child = spawn(
    '/usr/bin/env',
    ['-i', 'PATH=/usr/bin:/bin', `HOME=${home}`, 'SHELL=/bin/sh', cli.file, ...cli.args, '-c', configDir, ...args],
    { cwd: home, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not finish in 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { done };
}

const audit = () => cron('salt-ssh', AUDIT).done;
const auditFile = (host: SshdHarness) => join(host.dir, 'home', 'audit.conf');
const alertRows = (jid: string) => db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = ? ORDER BY id', [jid]);

beforeAll(async () => {
  [db, ...hosts] = await Promise.all([createTestDatabase(), startSshd(), startSshd(), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), 'brine-cron-'));
  home = join(dir, 'home');
  configDir = join(dir, 'etc');
  for (const sub of [home, configDir, join(dir, 'keys')]) mkdirSync(sub, { recursive: true });
  const roster: Record<string, unknown> = {};
  hosts.forEach((host, i) => {
    // a stopped harness removes its dir: the key must outlive it
    const key = join(dir, 'keys', `host${i + 1}`);
    copyFileSync(host.clientKey, key);
    chmodSync(key, 0o600);
    roster[`host${i + 1}`] = { host: '127.0.0.1', port: host.port, user: host.user, priv: key };
    writeFileSync(auditFile(host), 'PermitRootLogin no\n');
  });
  writeFileSync(join(configDir, 'roster'), stringify(roster));
  writeFileSync(join(dir, 'known_hosts'), hosts.map((host) => host.knownHostsLine()).join('\n') + '\n');
  const master = {
    cachedir: join(dir, 'cache'),
    ssh_known_hosts_file: join(dir, 'known_hosts'),
    ...db.opts({ 'mysql.return_only': 'failed,changed' }),
  };
  writeFileSync(join(configDir, 'master'), stringify(master));
});

afterAll(async () => {
  await Promise.all((hosts ?? []).map((host) => host.stop()));
  await db?.drop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a cron audit over three runs', () => {
  const jids: string[] = [];

  it('run 1: every host is new, all are shown and all go to the alert returner', async () => {
    const res = await audit();
    expect(res.code).toBe(ExitCode.OK);
    expect(JSON.parse(res.stdout)).toEqual({ host1: 'PermitRootLogin no', host2: 'PermitRootLogin no', host3: 'PermitRootLogin no' });
    expect(res.stderr).toBe(
      '[NOTE    ] --changes: no earlier finished run of this audit (same function, arguments and target); every host is shown\n',
    );
    const listed = JSON.parse((await cron('salt-run', ['jobs.list_jobs', 'search_arguments=cat ~/audit.conf', '--out', 'json']).done).stdout) as object;
    jids.push(...Object.keys(listed));
    expect(jids).toHaveLength(1);
    expect((await alertRows(jids[0] as string)).map((r) => r.id)).toEqual(['host1', 'host2', 'host3']);
  });

  it('run 2: a changed file shows only that host, and only it is alerted', async () => {
    writeFileSync(auditFile(hosts[0] as SshdHarness), 'PermitRootLogin yes\n');
    const res = await audit();
    expect(res.code).toBe(ExitCode.OK);
    expect(JSON.parse(res.stdout)).toEqual({ host1: 'PermitRootLogin yes' });
    expect(res.stderr).toBe(`[NOTE    ] --changes: 2 of 3 hosts unchanged since jid ${jids[0]} (not shown)\n`);
    const diff = await cron('salt-run', ['jobs.diff', '--out', 'json']).done;
    expect(diff.code).toBe(ExitCode.CHANGED);
    const report = JSON.parse(diff.stdout) as { jid: string };
    expect(report).toMatchObject({
      predecessor: jids[0],
      changed: { host1: '@@ -1 +1 @@\n-PermitRootLogin no\n+PermitRootLogin yes' },
      unchanged: ['host2', 'host3'],
      summary: { changed: 1, newly_failing: 0, unchanged: 2 },
    });
    jids.push(report.jid);
    expect((await alertRows(report.jid)).map((r) => r.id)).toEqual(['host1']);
  });

  it('run 3: a stopped host is newly failing and alerted; an overlapping run is skipped by --lock', async () => {
    await (hosts[2] as SshdHarness).stop();
    // host2's file becomes a fifo: run 3 holds its lock until the test writes the (unchanged) content
    const fifo = auditFile(hosts[1] as SshdHarness);
    unlinkSync(fifo);
    execFileSync('mkfifo', ['-m', '0644', fifo]);
    const held = audit();
    const writer = await open(fifo, 'w'); // resolves once run 3's cat on host2 has opened the fifo
    try {
      const skipped = await audit();
      expect(skipped.code).toBe(ExitCode.TEMP_FAIL);
      expect(skipped.stdout).toBe('');
      expect(skipped.stderr).toMatch(/^salt-ssh: error: --lock: skipped: the same audit is still running \(jid \d{20}, pid \d+\); lock \S+\n$/);
      await writer.write('PermitRootLogin no\n');
    } finally {
      await writer.close();
    }
    const res = await held;
    expect(res.code).toBe(ExitCode.UNAVAILABLE);
    const shown = JSON.parse(res.stdout) as Record<string, { _error?: string; retcode?: number }>;
    expect(Object.keys(shown)).toEqual(['host3']);
    expect(shown['host3']).toMatchObject({ _error: 'Connection refused', retcode: 255 });
    expect(res.stderr).toContain(`[NOTE    ] --changes: 2 of 3 hosts unchanged since jid ${jids[1]} (not shown)\n`);

    const diff = await cron('salt-run', ['jobs.diff', '--out', 'json']).done;
    expect(diff.code).toBe(ExitCode.CHANGED);
    const report = JSON.parse(diff.stdout) as { jid: string; newly_failing: Record<string, unknown> };
    expect(report).toMatchObject({ predecessor: jids[1], unchanged: ['host1', 'host2'], summary: { changed: 0, newly_failing: 1 } });
    expect(report.newly_failing['host3']).toMatchObject({ _error: 'Connection refused', retcode: 255 });
    expect((await alertRows(report.jid)).map((r) => r.id)).toEqual(['host3']);
    // the skipped run wrote no job: three runs, three jobs
    const listed = JSON.parse((await cron('salt-run', ['jobs.list_jobs', 'search_arguments=cat ~/audit.conf', '--out', 'json']).done).stdout) as object;
    expect(Object.keys(listed)).toEqual([report.jid, jids[1], jids[0]]);
  });

  it('--out folded prints one block per distinct return, folded ids and counts, largest last', async () => {
    const res = await cron('salt-ssh', ['*', 'test.ping', '--out', 'folded']).done;
    expect(res.code).toBe(ExitCode.UNAVAILABLE);
    expect(res.stdout.startsWith('---------------\nhost3 (1)\n---------------\n_error:\n    Connection refused\n')).toBe(true);
    expect(res.stdout.endsWith('---------------\nhost[1-2] (2)\n---------------\nTrue\n')).toBe(true);
    expect(res.stdout.match(/^-{15}$/gm)).toHaveLength(4);
  });

  it('refuses a bad --return-only in one line before any host is contacted', async () => {
    const res = await cron('salt-ssh', ['*', 'test.ping', '--return', 'mysql', '--return-only', 'sometimes']).done;
    expect(res.code).toBe(ExitCode.USAGE);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe("salt-ssh: error: --return-only: expected failed, changed, failed,changed or all, got 'sometimes'\n");
  });

  it('jobs.diff of run 2 against run 1 by jid still shows the changed file; equal jobs exit 0', async () => {
    const diff = await cron('salt-run', ['jobs.diff', jids[1] as string, jids[0] as string]).done;
    expect(diff.code).toBe(ExitCode.CHANGED);
    expect(diff.stdout).toContain('-PermitRootLogin no\n');
    expect(diff.stdout).toContain('+PermitRootLogin yes\n');
    const same = await cron('salt-run', ['jobs.diff', jids[0] as string, jids[0] as string, '--out', 'json']).done;
    expect(same.code).toBe(ExitCode.OK);
  });
});
