/**
 * How salt-ssh finds its config and prints its results: the repo's default local roster, a Saltfile,
 * nodegroups, --out-file, colour, every outputter, -H, sudo, tty, cmd.script and a broken master file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;
let scratch: string;

const ssh = (args: string[], options: Parameters<typeof runCli>[2] = {}) =>
  runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args], options);
const lines = (text: string) => text.trimEnd().split('\n').sort();

beforeAll(async () => {
  sshd = await startSshd({ sudo: 'nopasswd' });
  cfg = makeConfigDir({
    ssh_known_hosts_file: sshd.writeKnownHosts(),
    nodegroups: { web: 'L@node1,node2', first: ['node1'] },
  });
  roster = sshd.writeRoster(['node1', 'node2', 'node3']);
  scratch = mkdtempSync(join(tmpdir(), 'brine-e2e-'));
});

afterAll(async () => {
  await sshd?.stop();
  cfg?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('finding the config', () => {
  it("runs on the repo's default roster.yaml (connection: local) from the repo root", async () => {
    const env = makeConfigDir();
    try {
      const res = await runCli('salt-ssh', ['*', 'test.ping'], { cwd: ROOT, env: { SALT_CONFIG_DIR: env.dir } });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toBe('localhost:\n    True\n');
      const looked = await runCli('salt-run', ['jobs.list_jobs', '--out', 'json'], { cwd: ROOT, env: { SALT_CONFIG_DIR: env.dir } });
      expect(Object.values(JSON.parse(looked.stdout) as object)).toEqual([expect.objectContaining({ Function: 'test.ping', Target: '*' })]);
    } finally {
      env.cleanup();
    }
  });

  it('says job_cache: False is ignored without a master job cache, and still keeps the job', async () => {
    const env = makeConfigDir({ job_cache: false });
    try {
      const res = await runCli('salt-ssh', ['*', 'test.ping', '-v'], { cwd: ROOT, env: { SALT_CONFIG_DIR: env.dir } });
      expect(res.code).toBe(0);
      expect(res.stderr).toBe('[WARNING ] job_cache: False ignored: no master_job_cache is set, so the local job cache is the only record\n');
      const jid = bannerJid(res.stdout);
      const looked = await runCli('salt-run', ['jobs.lookup_jid', jid], { cwd: ROOT, env: { SALT_CONFIG_DIR: env.dir } });
      expect(looked.stdout).toBe('localhost:\n    True\n');
    } finally {
      env.cleanup();
    }
  });

  it('honours a Saltfile in the working directory', async () => {
    const dir = mkdtempSync(join(scratch, 'saltfile-'));
    const sfRoster = sshd.writeRoster(['viasaltfile']);
    writeFileSync(join(dir, 'Saltfile'), `salt-ssh:\n  roster_file: ${sfRoster}\n  config_dir: ${cfg.dir}\n`);
    const res = await runCli('salt-ssh', ['*', 'test.ping'], { cwd: dir });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('viasaltfile:\n    True\n');
  });

  it('targets a nodegroup from the master file with -N', async () => {
    const web = await ssh(['-N', 'web', 'test.ping', '--out', 'json', '--static']);
    expect(web.code).toBe(0);
    expect(Object.keys(JSON.parse(web.stdout) as object).sort()).toEqual(['node1', 'node2']);
    const first = await ssh(['-N', 'first', 'test.ping', '--out', 'json', '--static']);
    expect(JSON.parse(first.stdout)).toEqual({ node1: true });
    const unknown = await ssh(['-N', 'nosuch', 'test.ping']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toBe("salt-ssh: error: -N/--nodegroup: unknown nodegroup 'nosuch' (known: web, first)\n");
  });

  it('exits 78 with one line naming the master file when its YAML is broken', async () => {
    const bad = makeConfigDir();
    try {
      writeFileSync(join(bad.dir, 'master'), `cachedir: ${bad.cachedir}\nnodegroups: [unclosed\n`);
      for (const bin of ['salt-ssh', 'salt-run'] as const) {
        const args = bin === 'salt-ssh' ? ['-c', bad.dir, '--roster-file', roster, '*', 'test.ping'] : ['-c', bad.dir, 'jobs.list_jobs'];
        const res = await runCli(bin, args);
        expect(res.code).toBe(78);
        expect(res.stdout).toBe('');
        expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(res.stderr).toContain(join(bad.dir, 'master'));
        expect(res.stderr).toContain('YAML');
      }
    } finally {
      bad.cleanup();
    }
  });
});

describe('output', () => {
  it('writes to --out-file, truncating it, or appending with --out-file-append', async () => {
    const file = join(scratch, 'out.txt');
    writeFileSync(file, 'old content\n');
    const first = await ssh(['node1', 'test.ping', '--out-file', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe('node1:\n    True\n');
    const second = await ssh(['node2', 'cmd.run', 'echo appended', '--out-file', file, '--out-file-append']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe('node1:\n    True\nnode2:\n    appended\n');
  });

  it('colours only with --force-color, never with --no-color', async () => {
    const plain = await ssh(['node1', 'test.ping', '--no-color']);
    expect(plain.stdout).toBe('node1:\n    True\n');
    expect(plain.stdout).not.toContain('\x1b');
    const forced = await ssh(['node1', 'test.ping', '--force-color']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('\x1b[');
    // eslint-disable-next-line no-control-regex -- the ANSI escapes are what is being removed
    expect(forced.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain.stdout);
    // NO_COLOR in the environment does not beat the flag
    const env = await ssh(['node1', 'test.ping', '--force-color'], { env: { NO_COLOR: '1' } });
    expect(env.stdout).toContain('\x1b[');
  });

  it('prints the yaml, txt, raw and newline_values_only shapes per host', async () => {
    const shapes: Record<string, string[]> = {
      yaml: ['node1: true', 'node2: true'],
      txt: ['node1: True', 'node2: True'],
      raw: ["{'node1': True}", "{'node2': True}"],
      newline_values_only: ['True', 'True'],
    };
    for (const [out, expected] of Object.entries(shapes)) {
      const res = await ssh(['-L', 'node1,node2', 'test.ping', '--out', out]);
      expect(res.code, out).toBe(0);
      expect(lines(res.stdout), out).toEqual(expected);
    }
  });

  it('lists the roster hosts with -H', async () => {
    const res = await ssh(['-H']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      `${roster}:\n    ----------\n    node1:\n        127.0.0.1\n    node2:\n        127.0.0.1\n    node3:\n        127.0.0.1\n`,
    );
  });
});

describe('on the host', () => {
  it('runs through sudo without a password with --sudo (NOPASSWD)', async () => {
    const res = await ssh(['node1', 'cmd.run', 'id -u', '--sudo', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ node1: '0' });
    const plain = await ssh(['node1', 'cmd.run', 'id -u', '--out', 'json']);
    expect(JSON.parse(plain.stdout)).not.toEqual({ node1: '0' });
  });

  it('allocates a terminal with tty: True in the roster', async () => {
    const ttyRoster = sshd.writeRoster(['withtty'], { tty: true });
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', ttyRoster, '*', 'cmd.run', 'test -t 0 && tty', '--out', 'json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { withtty: string }).withtty).toMatch(/^\/dev\/pts\/\d+$/);
    const none = await ssh(['node1', 'cmd.retcode', 'test -t 0', '--out', 'json']);
    expect(JSON.parse(none.stdout)).toEqual({ node1: 1 });
  });

  it('uploads and runs a local script with cmd.script', async () => {
    const script = join(scratch, 'hello.sh');
    writeFileSync(script, '#!/bin/sh\necho "script says $1 and $2"\nexit 3\n');
    const res = await ssh(['node1', 'cmd.script', script, 'one two', '--out', 'json']);
    expect(res.code).toBe(20);
    const ret = (JSON.parse(res.stdout) as { node1: Record<string, unknown> }).node1;
    expect(ret).toMatchObject({ retcode: 3, stdout: 'script says one and two', stderr: '' });
    const missing = await ssh(['node1', 'cmd.script', join(scratch, 'nosuch.sh')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('nosuch.sh');
  });
});

describe('sudo with a password', () => {
  let pwSshd: SshdHarness;
  let pwCfg: ReturnType<typeof makeConfigDir>;

  beforeAll(async () => {
    pwSshd = await startSshd({ sudo: 'password' });
    pwCfg = makeConfigDir({ ssh_known_hosts_file: pwSshd.writeKnownHosts() });
  });

  afterAll(async () => {
    await pwSshd?.stop();
    pwCfg?.cleanup();
  });

  it('works with the roster passwd', async () => {
    const withPasswd = pwSshd.writeRoster(['pw'], { passwd: pwSshd.password, sudo: true });
    const res = await runCli('salt-ssh', ['-c', pwCfg.dir, '--roster-file', withPasswd, '*', 'cmd.run', 'id -u', '--out', 'json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ pw: '0' });
  });

  it('without a passwd, is a clear per-host error and exit 20', async () => {
    const noPasswd = pwSshd.writeRoster(['nopw']);
    const res = await runCli('salt-ssh', ['-c', pwCfg.dir, '--roster-file', noPasswd, '*', 'cmd.run', 'id -u', '--sudo', '--out', 'json']);
    expect(res.code).toBe(20);
    const ret = (JSON.parse(res.stdout) as { nopw: Record<string, unknown> }).nopw;
    expect(ret._error).toBe('sudo needs a password on nopw: set passwd in the roster or NOPASSWD in sudoers');
    expect(ret.retcode).toBe(1);
  });
});
