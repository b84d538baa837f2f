import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli, startCli, waitForOutput } from '../helpers/cli.js';
import { closedPort, startHangServer, startSshd, type HangServer, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let hang: HangServer;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;

/** salt-ssh against the harness sshd with the test config dir and known_hosts. */
const ssh = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('salt-ssh', ['-c', cfg.dir, ...args], { env });

beforeAll(async () => {
  sshd = await startSshd();
  hang = await startHangServer();
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  roster = sshd.writeRoster(['node1', 'node2', 'node3']);
});

afterAll(async () => {
  await hang?.close();
  await sshd?.stop();
  cfg?.cleanup();
});

describe('salt-ssh over real sshd', () => {
  it('runs test.ping on every matched host and prints salt nested output', async () => {
    const res = await ssh(['--roster-file', roster, '*', 'test.ping']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    for (const id of ['node1', 'node2', 'node3']) expect(res.stdout).toContain(`${id}:\n    True\n`);
  });

  it('accepts flags after the positionals and prints the -v banner', async () => {
    const res = await ssh(['--roster-file', roster, 'node1', 'cmd.run', 'echo hello', '-v']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Executing job with jid (\d{20})\n-{43}\n\n\nnode1:\n {4}hello\n$/);
  });

  it('prints one JSON document per host, or one merged document with --static', async () => {
    const streamed = await ssh(['--roster-file', roster, '*', 'test.echo', 'hi', '--out', 'json']);
    const docs = streamed.stdout.trim().split(/\n(?=\{)/).map((doc) => JSON.parse(doc) as Record<string, unknown>);
    expect(docs).toHaveLength(3);
    expect(docs.every((doc) => Object.values(doc)[0] === 'hi')).toBe(true);
    const merged = await ssh(['--roster-file', roster, '*', 'test.echo', 'hi', '--out', 'json', '--static']);
    expect(JSON.parse(merged.stdout)).toEqual({ node1: 'hi', node2: 'hi', node3: 'hi' });
  });

  it('exits 20 when a command fails on a host, with cmd.run_all salt shape', async () => {
    const res = await ssh(['--roster-file', roster, 'node1', 'cmd.run_all', 'echo out; echo err >&2; exit 3', '--out', 'json']);
    expect(res.code).toBe(20);
    const ret = (JSON.parse(res.stdout) as { node1: Record<string, unknown> }).node1;
    expect(ret).toMatchObject({ retcode: 3, stdout: 'out', stderr: 'err' });
    expect(typeof ret.pid).toBe('number');
  });

  it('keeps good hosts working beside refused, silent and unauthorised ones', async () => {
    const mixed = sshd.writeRoster(['good1', 'good2']);
    const unauthorised = join(sshd.dir, 'unauthorised_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', unauthorised]);
    const extra = [
      `refused:\n  host: 127.0.0.1\n  port: ${await closedPort()}\n  priv: ${sshd.clientKey}\n`,
      `silent:\n  host: 127.0.0.1\n  port: ${hang.port}\n  timeout: 2\n  priv: ${sshd.clientKey}\n`,
      `badkey:\n  host: 127.0.0.1\n  port: ${sshd.port}\n  user: ${sshd.user}\n  priv: ${unauthorised}\n  identities_only: true\n`,
    ].join('');
    const file = join(sshd.dir, 'mixed-roster.yaml');
    writeFileSync(file, readFileSync(mixed, 'utf8') + extra);
    const cli = startCli('salt-ssh', ['-c', cfg.dir, '--roster-file', file, '*', 'test.ping', '--out', 'json']);
    // good hosts stream out while the silent host is still being waited for
    await waitForOutput(cli, (out) => out.includes('"good1"') && out.includes('"good2"'));
    expect(cli.child.exitCode).toBeNull();
    const res = await cli.done;
    expect(res.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
    const docs = Object.assign({}, ...res.stdout.trim().split(/\n(?=\{)/).map((doc) => JSON.parse(doc) as object)) as Record<string, Record<string, unknown>>;
    expect(docs.good1).toBe(true);
    expect(docs.refused).toMatchObject({ _error: 'Connection refused', retcode: 255 });
    expect(docs.silent).toMatchObject({ _error: 'Connection timed out', retcode: 255 });
    expect(docs.badkey).toMatchObject({ _error: 'Permission denied', retcode: 255 });
  });

  it('refuses an unknown host key unless -i, and reports it per host', async () => {
    const strict = makeConfigDir({ ssh_known_hosts_file: join(sshd.dir, 'empty_known_hosts') });
    writeFileSync(join(sshd.dir, 'empty_known_hosts'), '');
    try {
      const refused = await runCli('salt-ssh', ['-c', strict.dir, '--roster-file', roster, 'node1', 'test.ping', '--out', 'json']);
      expect(refused.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
      const value = (JSON.parse(refused.stdout) as { node1: { _error: string; stderr: string } }).node1;
      expect(value._error).toBe('Host key verification failed');
      expect(value.stderr).toContain(`${sshd.port}`);
      const accepted = await runCli('salt-ssh', ['-c', strict.dir, '--roster-file', roster, 'node1', 'test.ping', '-i']);
      expect(accepted.code).toBe(0);
    } finally {
      strict.cleanup();
    }
  });

  it('runs raw shell commands with -r', async () => {
    const res = await ssh(['--roster-file', roster, 'node1', '-r', 'echo hi; exit 4', '--out', 'json']);
    expect(res.code).toBe(20);
    expect(JSON.parse(res.stdout)).toEqual({ node1: { stdout: 'hi\n', stderr: '', retcode: 4 } });
  });

  it('targets with -L and -E', async () => {
    const list = await ssh(['--roster-file', roster, '-L', 'node1,node3', 'test.ping', '--out', 'json', '--static']);
    expect(Object.keys(JSON.parse(list.stdout) as object).sort()).toEqual(['node1', 'node3']);
    const pcre = await ssh(['--roster-file', roster, '-E', 'node[12]$', 'test.ping', '--out', 'json', '--static']);
    expect(Object.keys(JSON.parse(pcre.stdout) as object).sort()).toEqual(['node1', 'node2']);
  });

  it('authenticates with a password from the roster', async () => {
    const file = join(sshd.dir, 'pw-roster.yaml');
    writeFileSync(file, `pw:\n  host: 127.0.0.1\n  port: ${sshd.port}\n  user: ${sshd.user}\n  passwd: '${sshd.password}'\n`);
    const res = await ssh(['--roster-file', file, 'pw', 'cmd.run', 'id -un']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`pw:\n    ${sshd.user}\n`);
  });
});

describe('salt-ssh errors', () => {
  it('exits 68 with salt\'s message when nothing matches', async () => {
    const res = await ssh(['--roster-file', roster, 'nomatch*', 'test.ping']);
    expect(res.code).toBe(68);
    expect(res.stderr).toBe('salt-ssh: error: No matching targets found in roster.\n');
  });

  it('exits 78 with one line naming the file, host and key for a bad roster', async () => {
    const file = join(sshd.dir, 'bad-roster.yaml');
    writeFileSync(file, 'web1:\n  host: 127.0.0.1\n  port: abc\n');
    const res = await ssh(['--roster-file', file, '*', 'test.ping']);
    expect(res.code).toBe(78);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain(file);
    expect(res.stderr).toContain('web1');
    expect(res.stderr).toContain('port');
  });

  it('exits 64 for missing arguments, unknown flags and unknown functions', async () => {
    const missing = await ssh(['--roster-file', roster, 'node1']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('Insufficient arguments');
    const flag = await ssh(['--roster-file', roster, 'node1', 'test.ping', '--bogus']);
    expect(flag.code).toBe(64);
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const fun = await ssh(['--roster-file', roster, 'node1', 'test.nope']);
    expect(fun.code).toBe(64);
    expect(fun.stderr).toContain("'test.nope' is not available.");
  });
});
