import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli, type CliResult } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let rsaOnly: SshdHarness;
let dir: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

beforeAll(async () => {
  [sshd, rsaOnly] = await Promise.all([startSshd(), startSshd({ hostKeyType: 'rsa' })]);
  dir = mkdtempSync(join(tmpdir(), 'brine-hostkeys-'));
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), rsaOnly?.stop()]);
  for (const cfg of configs) cfg.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A config dir whose `ssh_known_hosts_file` is `file`. */
function configWith(file: string): string {
  const cfg = makeConfigDir({ ssh_known_hosts_file: file });
  configs.push(cfg);
  return cfg.dir;
}

/** `salt-ssh -c <cfg> --roster-file <roster> '*' test.ping --out json --static [flags]`. */
function ping(configDir: string, roster: string, flags: string[] = []): Promise<CliResult> {
  return runCli('salt-ssh', ['-c', configDir, '--roster-file', roster, '*', 'test.ping', '--out', 'json', '--static', ...flags]);
}

const returns = (res: CliResult) => JSON.parse(res.stdout) as Record<string, unknown>;
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
const added = (server: SshdHarness, label: string) =>
  `Warning: Permanently added '[127.0.0.1]:${server.port}' (${label}) to the list of known hosts.\n`;

describe('host keys over real sshd', () => {
  it('refuses a host whose recorded ed25519 key is replaced by an RSA-only server, even with -i; --no-host-keys runs', async () => {
    const file = join(dir, 'ed-recorded');
    writeFileSync(file, `[127.0.0.1]:${rsaOnly.port} ${sshd.hostPublicKey}\n`);
    const cfg = configWith(file);
    const roster = rsaOnly.writeRoster(['web1']);
    for (const flags of [[], ['-i']]) {
      const res = await ping(cfg, roster, flags);
      expect(res.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
      const web1 = returns(res).web1 as { _error: string; stderr: string };
      expect(web1._error).toBe('Host key verification failed');
      expect(web1.stderr).toBe(
        `Host key for [127.0.0.1]:${rsaOnly.port} has changed to ssh-rsa key ${rsaOnly.hostKeyFingerprint} (known_hosts ${file}:1 records ssh-ed25519)`,
      );
    }
    const unchecked = await ping(cfg, roster, ['--no-host-keys']);
    expect(unchecked.code).toBe(0);
    expect(returns(unchecked)).toEqual({ web1: true });
    expect(lines(file)).toHaveLength(1);
  });

  it('-i records an unknown host once (saying so on stderr); later runs check it and refuse a swapped key', async () => {
    const server = await startSshd();
    try {
      const file = join(dir, 'learn', '.ssh', 'known_hosts');
      const cfg = configWith(file);
      const roster = server.writeRoster(['web1', 'web2']);
      const learned = await ping(cfg, roster, ['-i']);
      expect(learned.code).toBe(0);
      expect(learned.stderr).toBe(added(server, 'ED25519'));
      expect(lines(file)).toEqual([server.knownHostsLine()]);

      const checked = await ping(cfg, roster);
      expect(checked.code).toBe(0);
      expect(checked.stderr).toBe('');
      expect(returns(checked)).toEqual({ web1: true, web2: true });

      await server.swapHostKey();
      for (const flags of [[], ['-i']]) {
        const refused = await ping(cfg, roster, flags);
        expect(refused.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
        expect((returns(refused).web1 as { stderr: string }).stderr).toMatch(/^Host key for .* has changed to ssh-ed25519 key /);
      }
      expect(lines(file)).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('-i writes a hashed line into a hashed known_hosts', async () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `other.example ${sshd.hostPublicKey}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const cfg = configWith(file);
    const res = await ping(cfg, rsaOnly.writeRoster(['web1']), ['-i']);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(added(rsaOnly, 'RSA'));
    const [, written] = lines(file);
    expect(written).toMatch(/^\|1\|\S+ ssh-rsa /);
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${rsaOnly.port}`, '-f', file], { encoding: 'utf8' });
    expect(found).toContain(written);
    expect((await ping(cfg, rsaOnly.writeRoster(['web1']))).code).toBe(0);
  });

  it('two concurrent -i runs leave exactly one line per host key', async () => {
    const file = join(dir, 'concurrent');
    const cfg = configWith(file);
    const roster = join(dir, 'two-servers.yaml');
    writeFileSync(roster, readFileSync(sshd.writeRoster(['a1', 'a2', 'a3']), 'utf8') + readFileSync(rsaOnly.writeRoster(['b1', 'b2', 'b3']), 'utf8'));
    const runs = await Promise.all([ping(cfg, roster, ['-i']), ping(cfg, roster, ['-i'])]);
    for (const res of runs) expect(res.code).toBe(0);
    expect(lines(file).sort()).toEqual([sshd.knownHostsLine(), rsaOnly.knownHostsLine()].sort());
    const warnings = runs.map((res) => res.stderr).join('');
    expect(warnings.split('\n').filter((l) => l !== '').sort()).toEqual([added(sshd, 'ED25519').trim(), added(rsaOnly, 'RSA').trim()].sort());
  });
});
