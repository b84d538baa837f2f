import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli, type CliResult } from '../helpers/cli.js';
import { closedPort, startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let home: string;
let cfg: ReturnType<typeof makeConfigDir>;

/** `Host myalias` → the harness sshd, with the key found through `%d` and `%r` tokens. */
function aliasBlock(extra = ''): string {
  return `Host myalias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile %d/.ssh/key_%r\n  IdentitiesOnly yes\n${extra}`;
}

beforeAll(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(tmpdir(), 'brine-sshcfg-home-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  copyFileSync(sshd.clientKey, join(home, '.ssh', `key_${sshd.user}`));
  chmodSync(join(home, '.ssh', `key_${sshd.user}`), 0o600);
  writeFileSync(join(home, '.ssh', 'known_hosts'), `${sshd.knownHostsLine()}\n`);
  cfg = makeConfigDir();
});

afterAll(async () => {
  await sshd?.stop();
  cfg?.cleanup();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

function writeRoster(text: string): string {
  const file = join(home, `roster-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

function ping(roster: string, flags: string[] = [], configDir = cfg.dir): Promise<CliResult> {
  // SSH_AUTH_SOCK unset: only the IdentityFile from ssh_config can log in.
  return runCli('salt-ssh', ['-c', configDir, '--roster-file', roster, '*', 'test.ping', '--out', 'json', '--static', ...flags], {
    env: { HOME: home, SSH_AUTH_SOCK: '' },
  });
}

describe('OpenSSH client config over real sshd', () => {
  it('reaches a roster host through its ~/.ssh/config alias: HostName, Port, User, IdentityFile; warns once for KexAlgorithms', async () => {
    writeFileSync(join(home, '.ssh', 'config'), `${aliasBlock()}Host *\n  KexAlgorithms curve25519-sha256\n  ForwardAgent yes\n`);
    const res = await ping(writeRoster('web1:\n  host: myalias\nweb2:\n  host: myalias\n'));
    expect(res.stderr).toBe(`[WARNING ] ${join(home, '.ssh', 'config')}:8: KexAlgorithms is not supported by brine and has no effect\n`);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ web1: true, web2: true });
  });

  it('reads --ssh-config-file, and the ssh_config_file master key, instead of ~/.ssh/config', async () => {
    writeFileSync(join(home, '.ssh', 'config'), 'Host myalias\n  Port 1\n');
    const other = join(home, 'other_ssh_config');
    writeFileSync(other, aliasBlock());
    const roster = writeRoster('web1:\n  host: myalias\n');
    const viaFlag = await ping(roster, ['--ssh-config-file', other]);
    expect(viaFlag.stderr).toBe('');
    expect([viaFlag.code, JSON.parse(viaFlag.stdout)]).toEqual([0, { web1: true }]);
    const keyCfg = makeConfigDir({ ssh_config_file: other });
    try {
      const viaKey = await ping(roster, [], keyCfg.dir);
      expect([viaKey.code, JSON.parse(viaKey.stdout)]).toEqual([0, { web1: true }]);
    } finally {
      keyCfg.cleanup();
    }
    const missing = await ping(roster, ['--ssh-config-file', join(home, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([78, `salt-ssh: error: --ssh-config-file ${join(home, 'nope')}: file not found\n`]);
  });

  it('lets --ssh-option beat ssh_config (Port of a closed port fails the host)', async () => {
    writeFileSync(join(home, '.ssh', 'config'), aliasBlock());
    const res = await ping(writeRoster('web1:\n  host: myalias\n'), ['--ssh-option', `Port=${await closedPort()}`]);
    expect(res.code).not.toBe(0);
    expect((JSON.parse(res.stdout) as { web1: { _error: string } }).web1._error).toBe('Connection refused');
  });

  it('refuses an unsupported --ssh-option or roster ssh_options entry with one line and exit 78, before any host', async () => {
    writeFileSync(join(home, '.ssh', 'config'), aliasBlock());
    const roster = writeRoster('web1:\n  host: myalias\n');
    const flag = await ping(roster, ['--ssh-option', 'Ciphers=aes128-ctr']);
    expect(flag.code).toBe(78);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toMatch(/^salt-ssh: error: --ssh-option 'Ciphers=aes128-ctr': Ciphers is not supported by brine \(honoured: [^\n]*\)\n$/);
    const bad = writeRoster("web1:\n  host: myalias\n  ssh_options:\n    - 'PubkeyAcceptedAlgorithms=+ssh-rsa'\n");
    const entry = await ping(bad);
    expect(entry.code).toBe(78);
    expect(entry.stderr).toMatch(new RegExp(`^salt-ssh: error: ${bad}: host 'web1': ssh_options 'PubkeyAcceptedAlgorithms=\\+ssh-rsa': PubkeyAcceptedAlgorithms is not supported by brine [^\\n]*\\n$`));
  });

  it('reports an unsupported Match criterion as a config error naming file:line, and never reads ssh_config for local hosts', async () => {
    writeFileSync(join(home, '.ssh', 'config'), `${aliasBlock()}Match exec "true"\n  User x\n`);
    const res = await ping(writeRoster('web1:\n  host: myalias\n'));
    expect([res.code, res.stderr]).toEqual([78, `salt-ssh: error: ${join(home, '.ssh', 'config')}:7: Match criterion 'exec' is not supported by brine (supported: all, host, originalhost, user, localuser)\n`]);
    const local = await ping(writeRoster('loc:\n  host: myalias\n  connection: local\n'));
    expect([local.code, JSON.parse(local.stdout)]).toEqual([0, { loc: true }]);
  });
});
