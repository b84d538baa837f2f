/**
 * salt-ssh's roster keys, targets, flags and Saltfile keys over the real sshd and the spawned CLI:
 * set_path, cmd_umask, ssh_pre_flight, user@host[:port], null entries, -L stored as a list, -G from
 * cached grains, --key-deploy, thin flags, and Saltfile keys honoured or refused.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let cfg: ReturnType<typeof makeConfigDir>;
let scratch: string;

const node = (extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: sshd.port, user: sshd.user, priv: sshd.clientKey, ...extra });
function writeRoster(name: string, entries: Record<string, unknown>): string {
  const file = join(scratch, name);
  writeFileSync(file, stringify(entries));
  return file;
}
const ssh = (roster: string, args: string[], options: Parameters<typeof runCli>[2] = {}) =>
  runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args], options);

beforeAll(async () => {
  sshd = await startSshd({ homeAuthorizedKeys: true });
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  scratch = mkdtempSync(join(tmpdir(), 'brine-roster-keys-'));
  chmodSync(scratch, 0o755);
});

afterAll(async () => {
  await sshd?.stop();
  cfg?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('roster keys that shape the command', () => {
  it('set_path sets PATH for the command, expanding $PATH on the host', async () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'brinetool'), '#!/bin/sh\necho tool-ran\n', { mode: 0o755 });
    const roster = writeRoster('set-path.yaml', { node1: node({ set_path: `${bin}:$PATH` }) });
    const res = await ssh(roster, ['node1', 'cmd.run', 'brinetool; echo "$PATH"', '--out', 'json']);
    expect(res.stderr).toBe('');
    const out = (JSON.parse(res.stdout) as { node1: string }).node1.split('\n');
    expect(out[0]).toBe('tool-ran');
    expect(out[1]).toMatch(new RegExp(`^${bin}:/.+`));
    expect(res.code).toBe(0);
  });

  it('cmd_umask sets the umask of the command', async () => {
    const roster = writeRoster('umask.yaml', { node1: node({ cmd_umask: '027' }) });
    const res = await ssh(roster, ['node1', 'cmd.run', 'umask']);
    expect(res.stdout).toBe('node1:\n    0027\n');
    expect(res.code).toBe(0);
  });

  it('ssh_pre_flight uploads and runs the script with its args before the command', async () => {
    const script = join(scratch, 'pre.sh');
    writeFileSync(script, 'echo "$1 $2" > "$HOME/pre-flight-ran"\n');
    const roster = writeRoster('pre-ok.yaml', { node1: node({ ssh_pre_flight: script, ssh_pre_flight_args: ['one', 'two words'] }) });
    const res = await ssh(roster, ['node1', 'cmd.run', 'cat "$HOME/pre-flight-ran"']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('node1:\n    one two words\n');
    expect(res.code).toBe(0);
  });

  it('a failing ssh_pre_flight fails that host with its output, and the command does not run', async () => {
    const script = join(scratch, 'fail.sh');
    writeFileSync(script, 'echo checking; echo "disk too full" >&2; exit 3\n');
    const roster = writeRoster('pre-fail.yaml', { node1: node({ ssh_pre_flight: script }), node2: node() });
    const res = await ssh(roster, ['*', 'cmd.run', 'touch "$HOME/should-not-exist"; echo ran', '--out', 'json', '--static']);
    expect(JSON.parse(res.stdout)).toEqual({
      node1: { _error: 'ssh_pre_flight fail.sh exited with 3', stdout: 'checking\n', stderr: 'disk too full', retcode: 3 },
      node2: 'ran',
    });
    expect(res.code).toBe(20);
    const missing = await ssh(writeRoster('pre-missing.yaml', { node1: node({ ssh_pre_flight: join(scratch, 'nope.sh') }) }), ['node1', 'test.ping']);
    expect(missing.stderr).toMatch(/^salt-ssh: error: roster: host 'node1': ssh_pre_flight script \S+nope\.sh cannot be read: ENOENT/);
    expect(missing.code).toBe(78);
  });
});

describe('targets', () => {
  it('user@host:port reaches a host that is not in the roster', async () => {
    const roster = writeRoster('other.yaml', { elsewhere: { host: '10.255.255.1' } });
    const res = await ssh(roster, [`${sshd.user}@127.0.0.1:${sshd.port}`, 'cmd.run', 'id -un', '--priv', sshd.clientKey]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe(`127.0.0.1:\n    ${sshd.user}\n`);
    expect(res.code).toBe(0);
  });

  it('user@id applies the user (and :port) to a roster host', async () => {
    const roster = writeRoster('user-at.yaml', { node1: node({ user: 'nobody-here', port: 1 }) });
    const res = await ssh(roster, [`${sshd.user}@node1:${sshd.port}`, 'cmd.run', 'id -un']);
    expect(res.stdout).toBe(`node1:\n    ${sshd.user}\n`);
    expect(res.code).toBe(0);
  });

  it('skips a roster entry whose keys are all commented out', async () => {
    const roster = join(scratch, 'null-entry.yaml');
    writeFileSync(roster, `${stringify({ node1: node() })}web3:\n#  host: 10.255.255.1\n#  user: root\n`);
    const res = await ssh(roster, ['*', 'test.ping']);
    expect(res.stdout).toBe('node1:\n    True\n');
    expect(res.code).toBe(0);
  });

  it('stores a -L target as a list, so search_target finds each host', async () => {
    const roster = writeRoster('list.yaml', { node1: node(), node2: node() });
    const res = await ssh(roster, ['-L', 'node1,node2', 'test.ping', '-v']);
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    const job = await runCli('salt-run', ['-c', cfg.dir, 'jobs.list_job', jid, '--out', 'json']);
    expect((JSON.parse(job.stdout) as { Target: unknown }).Target).toEqual(['node1', 'node2']);
    const found = await runCli('salt-run', ['-c', cfg.dir, 'jobs.list_jobs', 'search_target=node2', '--out', 'json']);
    expect(Object.keys(JSON.parse(found.stdout) as object)).toContain(jid);
  });

  it('-G matches the grains cached by an earlier grains.items, and says how to get them when there are none', async () => {
    const fresh = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
    try {
      const roster = writeRoster('grains.yaml', { node1: node(), node2: node({ minion_opts: { grains: { role: 'db' } } }) });
      const run = (args: string[]) => runCli('salt-ssh', ['-c', fresh.dir, '--roster-file', roster, ...args]);
      const none = await run(['-G', 'role:db', 'test.ping']);
      expect(none.stderr).toBe("salt-ssh: error: -G/--grain: no roster host has cached grains; brine matches grains from the job cache, so run salt-ssh '*' grains.items first\n");
      expect(none.code).toBe(68);
      expect((await run(['*', 'grains.items'])).code).toBe(0);
      const byRole = await run(['-G', 'role:db', 'test.ping']);
      expect(byRole.stdout).toBe('node2:\n    True\n');
      const byKernel = await run(['-G', 'kernel:linux', 'test.ping', '--static', '--out', 'json']);
      expect(JSON.parse(byKernel.stdout)).toEqual({ node1: true, node2: true });
    } finally {
      fresh.cleanup();
    }
  });
});

describe('flags', () => {
  it('--key-deploy appends the key with the password, then later runs log in with the key alone', async () => {
    const key = join(scratch, 'deploy_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'brine-deploy', '-f', key]);
    chmodSync(key, 0o600);
    const withPassword = writeRoster('deploy.yaml', { node1: node({ priv: key, passwd: sshd.password }) });
    const res = await ssh(withPassword, ['node1', 'cmd.run', 'echo ok', '--key-deploy']);
    expect(res.stdout).toBe('node1:\n    ok\n');
    expect(res.stderr).toBe(`[NOTE    ] --key-deploy: added ${key}.pub to ~/.ssh/authorized_keys of ${sshd.user}@127.0.0.1\n`);
    expect(res.code).toBe(0);
    const authorized = readFileSync(join(sshd.dir, 'home', '.ssh', 'authorized_keys'), 'utf8');
    expect(authorized).toBe(readFileSync(`${key}.pub`, 'utf8'));
    // the key now works without any password, and a second deploy adds nothing
    const keyOnly = await ssh(writeRoster('key-only.yaml', { node1: node({ priv: key }) }), ['node1', 'test.ping']);
    expect(keyOnly.stdout).toBe('node1:\n    True\n');
    const again = await ssh(withPassword, ['node1', 'test.ping', '--key-deploy']);
    expect(again.stderr).toBe('');
    expect(readFileSync(join(sshd.dir, 'home', '.ssh', 'authorized_keys'), 'utf8')).toBe(authorized);
  });

  it('thin flags and thin-only keys are accepted with one note on stderr', async () => {
    const roster = writeRoster('thin.yaml', { node1: node({ thin_dir: '/var/tmp/salt', minion_opts: { log_level: 'debug' } }) });
    const res = await ssh(roster, ['-W', '-w', '--regen-thin', 'node1', 'test.ping']);
    expect(res.stdout).toBe('node1:\n    True\n');
    expect(res.stderr).toBe(
      '[NOTE    ] brine deploys no salt thin and runs no salt-call, so these have no effect: -W/--rand-thin-dir; -w/--wipe; -t/--regen-thin; roster thin_dir (node1); minion_opts log_level (node1)\n',
    );
    expect(res.code).toBe(0);
  });

  it('-V prints the versions report', async () => {
    const res = await runCli('salt-ssh', ['-V']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Brine Version:\n +brine: \d+\.\d+\.\d+\n +commit: (?:[0-9a-f]{7,}(?:-dirty)?|unknown)\n \nNode Version:\n/);
    expect(res.stdout).toMatch(/\n +ssh2: \d+\.\d+\.\d+\n/);
  });
});

describe('Saltfile keys', () => {
  it('honours output, static and ignore_host_keys from the Saltfile; flags still win', async () => {
    const dir = mkdtempSync(join(scratch, 'sf-'));
    const knownHosts = join(dir, 'known_hosts');
    const conf = makeConfigDir({ ssh_known_hosts_file: knownHosts });
    try {
      const roster = writeRoster('sf.yaml', { node1: node(), node2: node() });
      writeFileSync(join(dir, 'Saltfile'), stringify({ 'salt-ssh': { config_dir: conf.dir, roster_file: roster, output: 'json', static: true, ignore_host_keys: true } }));
      const res = await runCli('salt-ssh', ['*', 'test.ping'], { cwd: dir });
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ node1: true, node2: true });
      expect(existsSync(knownHosts)).toBe(true);
      const flagWins = await runCli('salt-ssh', ['node1', 'test.ping', '--out', 'txt'], { cwd: dir });
      expect(flagWins.stdout).toBe('node1: True\n');
    } finally {
      conf.cleanup();
    }
  });

  it('refuses an unknown or unsupported Saltfile key in one line (exit 78)', async () => {
    const dir = mkdtempSync(join(scratch, 'sf-bad-'));
    writeFileSync(join(dir, 'Saltfile'), 'salt-ssh:\n  ssh_max_prcs: 4\n');
    const unknown = await runCli('salt-ssh', ['*', 'test.ping'], { cwd: dir });
    expect(unknown.stderr).toBe(
      `salt-ssh: error: ${join(dir, 'Saltfile')}: unknown key 'ssh_max_prcs' in salt-ssh: (keys are salt-ssh option dests such as ssh_max_procs, roster_file, output, static; see README "Saltfile")\n`,
    );
    expect(unknown.code).toBe(78);
    writeFileSync(join(dir, 'Saltfile'), 'salt-ssh:\n  update-roster: true\n');
    const refused = await runCli('salt-ssh', ['*', 'test.ping'], { cwd: dir });
    expect(refused.stderr).toBe(`salt-ssh: error: ${join(dir, 'Saltfile')}: key 'ssh_update_roster' is not supported: brine never writes the roster; add the host to it\n`);
    expect(refused.code).toBe(78);
  });
});
