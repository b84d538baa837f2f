/**
 * What a newcomer sees when something is off, through the built CLI and a real sshd: `-l debug`/`-l trace`
 * lines (never the password), the quote hint, the ssh-keyscan line (run for real), `--help`'s exit codes,
 * TERM=dumb/FORCE_COLOR on a real pty, shell completion run in a real bash, and the missing roster.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, makeConfigDir, ROOT, runCli } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let dir: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

beforeAll(async () => {
  sshd = await startSshd({ sudo: 'password' });
  dir = mkdtempSync(join(tmpdir(), 'brine-diag-'));
});

afterAll(async () => {
  await sshd?.stop();
  for (const cfg of configs) cfg.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function configWith(opts: Record<string, unknown>): string {
  const cfg = makeConfigDir(opts);
  configs.push(cfg);
  return cfg.dir;
}

const password = (): string => {
  if (sshd.password === undefined) throw new Error('these tests need root (a throwaway login user with a password)');
  return sshd.password;
};

describe('-l debug / -l trace over a real sshd', () => {
  it('prints connect, host key, auth, exec and exit lines per host, and never the sudo password', async () => {
    const knownHosts = sshd.writeKnownHosts();
    const cfg = configWith({ ssh_known_hosts_file: knownHosts });
    const roster = sshd.writeRoster(['web1'], { passwd: password(), sudo: true });
    const res = await runCli('salt-ssh', ['-c', cfg, '--roster-file', roster, '-l', 'debug', 'web1', 'cmd.run', 'id -u', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ web1: '0' });
    const lines = res.stderr.trimEnd().split('\n');
    const web1 = lines.filter((line) => line.startsWith('[DEBUG   ] web1: '));
    expect(web1[0]).toBe(`[DEBUG   ] web1: connecting to 127.0.0.1:${sshd.port} as ${sshd.user} (timeout 10 s)`);
    expect(web1).toContain(`[DEBUG   ] web1: host key ssh-ed25519 ${sshd.hostKeyFingerprint} matches ${knownHosts}`);
    expect(web1.some((line) => line.startsWith(`[DEBUG   ] web1: authenticated as ${sshd.user} with publickey (key ${sshd.clientKey}, ssh-ed25519 SHA256:`))).toBe(true);
    expect(web1.some((line) => /^\[DEBUG {3}\] web1: exec: ".*sudo -S -p .*id -u.*"$/.test(line))).toBe(true);
    expect(web1.at(-1)).toMatch(/^\[DEBUG {3}\] web1: exit 0 after \d+\.\d\d s$/);
    expect(lines).toContain(`[DEBUG   ] roster: ${roster} (1 entry)`);
    expect(res.stderr).not.toContain(password());
  });

  it('-l trace adds ssh2 protocol lines, still without the password (password login, sudo prompt answered)', async () => {
    const cfg = configWith({ ssh_known_hosts_file: sshd.writeKnownHosts() });
    const file = join(dir, 'password-roster.json');
    writeFileSync(file, JSON.stringify({ web1: { host: '127.0.0.1', port: sshd.port, user: sshd.user, passwd: password(), sudo: true } }));
    const res = await runCli('salt-ssh', ['-c', cfg, '--roster-file', file, '-l', 'trace', 'web1', 'cmd.run', 'id -u', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`[DEBUG   ] web1: authenticated as ${sshd.user} with password`);
    expect(res.stderr).toMatch(/^\[TRACE {3}\] web1: ssh2: Outbound: Sending USERAUTH_REQUEST \(password\)$/m);
    expect(res.stderr).not.toContain(password());
  });

  it('the default level prints none of it', async () => {
    const cfg = configWith({ ssh_known_hosts_file: sshd.writeKnownHosts() });
    const res = await runCli('salt-ssh', ['-c', cfg, '--roster-file', sshd.writeRoster(['web1']), 'web1', 'test.ping', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
  });

  it('salt-run -l debug names the job cache it reads; a bad level is a usage error', async () => {
    const cfg = makeConfigDir();
    configs.push(cfg);
    const res = await runCli('salt-run', ['-c', cfg.dir, '-l', 'debug', 'jobs.list_jobs', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`[DEBUG   ] local job cache: ${join(cfg.cachedir, 'jobs.sqlite')}\n`);
    expect(res.stderr).toContain('[DEBUG   ] jobs.* read the local job cache\n');
    const bad = await runCli('salt-run', ['-c', cfg.dir, '-l', 'loud', 'jobs.list_jobs']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^salt-run: error: --log-level: 'loud' is not a log level \(valid: all, /);
  });
});

describe('errors a newcomer can act on', () => {
  it("an unknown host key names the exact ssh-keyscan line, and running that line lets the host in", async () => {
    const knownHosts = join(dir, 'empty-known-hosts');
    writeFileSync(knownHosts, '');
    const cfg = configWith({ ssh_known_hosts_file: knownHosts });
    const roster = sshd.writeRoster(['web1']);
    const refused = await runCli('salt-ssh', ['-c', cfg, '--roster-file', roster, 'web1', 'test.ping', '--out', 'json']);
    expect(refused.code).not.toBe(0);
    const { stderr } = (JSON.parse(refused.stdout) as { web1: { stderr: string } }).web1;
    const keyscan = `ssh-keyscan -p ${sshd.port} -t ed25519 127.0.0.1 >> ${knownHosts}`;
    expect(stderr).toBe(
      `Host key for [127.0.0.1]:${sshd.port} is not in ${knownHosts} (ssh-ed25519 key ${sshd.hostKeyFingerprint}); ` +
        `run with -i to accept it, or check the fingerprint and add it: ${keyscan}`,
    );
    execFileSync('/bin/sh', ['-c', keyscan], { stdio: 'ignore' });
    const accepted = await runCli('salt-ssh', ['-c', cfg, '--roster-file', roster, 'web1', 'test.ping', '--out', 'json']);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toEqual({ web1: true });
  });

  it('an unquoted command says how to quote it (exit 64) before anything runs', async () => {
    const res = await runCli('salt-ssh', ['*', 'cmd.run', 'ls', '-l']);
    expect(res.code).toBe(64);
    expect(res.stderr).toBe("salt-ssh: error: the command was split at '-l', which salt-ssh took as its own flag; quote the command: salt-ssh '*' cmd.run 'ls -l'\n");
    const attached = await runCli('salt-ssh', ['*', 'cmd.run', 'ls', '-la']);
    expect(attached.code).toBe(64);
    expect(attached.stderr).toContain("quote the command: salt-ssh '*' cmd.run 'ls -la'");
  });

  it('an unknown function suggests the nearest one (exit 64)', async () => {
    const res = await runCli('salt-ssh', ['localhost', 'cmd.rn', 'uptime']);
    expect(res.code).toBe(64);
    expect(res.stderr).toBe("salt-ssh: error: 'cmd.rn' is not available. Did you mean 'cmd.run'?\n");
  });

  it('a missing roster names where brine looked and --roster-file (exit 78)', async () => {
    const cfg = configWith({});
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const res = await runCli('salt-ssh', ['-c', cfg, 'web1', 'test.ping'], { cwd });
    expect(res.code).toBe(78);
    expect(res.stderr).toBe(
      `salt-ssh: error: no roster file: looked for ${join(cfg, 'roster')}, ${join(cwd, 'roster.yaml')}, /etc/salt/roster; ` +
        'pass --roster-file FILE, or set roster_file in the Saltfile or master config\n',
    );
    const named = await runCli('salt-ssh', ['-c', cfg, '--roster-file', join(cwd, 'nope.yaml'), 'web1', 'test.ping']);
    expect(named.code).toBe(78);
    expect(named.stderr).toBe(`salt-ssh: error: roster file ${join(cwd, 'nope.yaml')} not found (named by --roster-file)\n`);
  });
});

describe('--help', () => {
  it.each(['salt-ssh', 'salt-run'] as const)('%s: the summary once, and an EXIT CODES section from src/errors.ts', async (bin) => {
    const res = await runCli(bin, ['--help']);
    expect(res.code).toBe(0);
    // oclif's theme styles headings and placeholders; the text is what is checked.
    const stdout = stripVTControlCharacters(res.stdout);
    const summary = stdout.split('\n')[0] ?? '';
    expect(summary.length).toBeGreaterThan(20);
    expect(stdout.split(summary).length - 1).toBe(1);
    expect(stdout).not.toContain('\nDESCRIPTION\n');
    expect(stdout).toMatch(/\nEXIT CODES\n {2}0 +every targeted host returned retcode 0\n/);
    for (const code of ['20', '64', '66', '68', '74', '75', '78', '130']) expect(stdout).toMatch(new RegExp(`\\n {2}${code} +\\S`));
    expect(stdout).toContain(`$ ${bin} `);
    expect(stdout).not.toContain(`$ ${bin}  `);
  });
});

/** Runs the CLI on a real pty (util-linux script), as a terminal user would; returns what the terminal got. */
function onPty(args: string[], env: Record<string, string>): string {
  const cli = cliCommand('salt-ssh');
  const command = [cli.file, ...cli.args, ...args].map((word) => `'${word}'`).join(' ');
  return execFileSync('script', ['-qec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', CI: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('TERM=dumb and FORCE_COLOR', () => {
  it('a terminal gets colour and the progress line; TERM=dumb gets neither; FORCE_COLOR colours a pipe, FORCE_COLOR=0 a terminal not', async () => {
    const cfg = configWith({});
    const roster = join(dir, 'two-local.yaml');
    writeFileSync(roster, 'a:\n  connection: local\nb:\n  connection: local\n');
    const args = ['-c', cfg, '--roster-file', roster, '*', 'cmd.run', 'sleep 0.7; echo ok'];
    const terminal = onPty(args, { TERM: 'xterm' });
    expect(terminal).toContain('\x1b[');
    expect(terminal).toMatch(/\d\/2 hosts done/);
    const dumb = onPty(args, { TERM: 'dumb' });
    expect(dumb).toContain('ok');
    expect(dumb).not.toContain('\x1b[');
    expect(dumb).not.toContain('hosts done');
    const forcedOff = onPty(args, { TERM: 'xterm', FORCE_COLOR: '0' });
    expect(forcedOff).toContain('ok');
    expect(forcedOff.replaceAll('\r\x1b[K', '')).not.toContain('\x1b[');
    const piped = await runCli('salt-ssh', ['-c', cfg, '--roster-file', roster, 'a', 'test.ping'], { env: { FORCE_COLOR: '1' } });
    expect(piped.stdout).toContain('\x1b[');
  });
});

describe('shell completion', () => {
  /** What bash's completion function offers for the words typed so far (the last one being completed). */
  function complete(bin: 'salt-ssh' | 'salt-run', script: string, words: string[]): string[] {
    const file = join(dir, `${bin}-completion.bash`);
    writeFileSync(file, script);
    const fn = `_${bin.replace('-', '_')}`;
    const program = `source ${file}; COMP_WORDS=(${[bin, ...words].map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');
  }

  it('salt-ssh --completion bash is valid bash that completes flags, their values and function names', async () => {
    const res = await runCli('salt-ssh', ['--completion', 'bash']);
    expect(res.code).toBe(0);
    execFileSync('bash', ['-n'], { input: res.stdout });
    expect(complete('salt-ssh', res.stdout, ['--roster'])).toEqual(['--roster-file']);
    expect(complete('salt-ssh', res.stdout, ['--out', 'js'])).toEqual(['json']);
    expect(complete('salt-ssh', res.stdout, ['-l', 'de'])).toEqual(['debug']);
    expect(complete('salt-ssh', res.stdout, ['*', 'cmd.ru'])).toEqual(['cmd.run', 'cmd.run_all']);
  });

  it('salt-run --completion bash completes runner functions; zsh gets a compdef script; fish is a usage error', async () => {
    const bash = await runCli('salt-run', ['--completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(complete('salt-run', bash.stdout, ['jobs.lookup'])).toEqual(['jobs.lookup_jid']);
    const zsh = await runCli('salt-ssh', ['--completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef salt-ssh\n/);
    expect(zsh.stdout).toContain("'--roster-file=[");
    const fish = await runCli('salt-ssh', ['--completion', 'fish']);
    expect(fish.code).toBe(64);
    expect(fish.stderr).toBe("salt-ssh: error: --completion: 'fish' is not a supported shell (valid: bash, zsh)\n");
  });
});
