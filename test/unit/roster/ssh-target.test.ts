import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { SshConfig } from '../../../src/config/ssh-config.js';
import { parseSshOption } from '../../../src/config/ssh-options.js';
import { parseRoster } from '../../../src/roster/load.js';
import { buildTargetDefaults, type TargetFlags } from '../../../src/roster/resolve.js';
import { createSshContext, resolveHostTarget, type SshContext } from '../../../src/roster/ssh-target.js';
import type { RosterEntry } from '../../../src/config/roster-entry.js';

const HOME = '/home/op';
const CONFIG = `${HOME}/.ssh/config`;

interface Fixture {
  ctx: SshContext;
  warnings: string[];
  loads: { count: number };
}

function fixture(text: string, options: { cli?: string[]; hasHostKeyFlag?: boolean } = {}): Fixture {
  const warnings: string[] = [];
  const loads = { count: 0 };
  const reader = { readFile: (p: string) => (p === CONFIG ? text : undefined), listDir: () => undefined };
  const ctx = createSshContext({
    loadConfig: () => {
      loads.count += 1;
      return new SshConfig(reader, [{ path: CONFIG, isUser: true }], HOME);
    },
    cliOptions: (options.cli ?? []).map((o) => parseSshOption(o, '--ssh-option')),
    hasHostKeyFlag: options.hasHostKeyFlag ?? false,
    local: { user: 'op', uid: '1000', hostName: 'ws.example', env: {} },
    warn: (line) => warnings.push(line),
  });
  return { ctx, warnings, loads };
}

function defaults(opts: Record<string, unknown> = {}, flags: TargetFlags = {}) {
  return buildTargetDefaults({ opts, flags, osUser: 'osuser', homeDir: HOME, where: 'master' });
}

function resolve(f: Fixture, id: string, entry: RosterEntry = {}, opts: Record<string, unknown> = {}, flags: TargetFlags = {}) {
  return resolveHostTarget(id, entry, defaults(opts, flags), f.ctx);
}

const ALIAS = 'Host web1\n  HostName 10.0.0.5\n  User cfguser\n  Port 2200\n  IdentityFile ~/.ssh/%r@%h:%p\n  ConnectTimeout 4\n  IdentitiesOnly yes\n';

describe('ssh_config applied to roster targets', () => {
  it('uses the alias: HostName replaces the address, User/Port/IdentityFile/ConnectTimeout/IdentitiesOnly apply', () => {
    const t = resolve(fixture(ALIAS), 'web1', {}, { ssh_user: 'master', ssh_port: 22, ssh_priv: '/master/key', ssh_timeout: 9 });
    expect(t).toMatchObject({ id: 'web1', host: '10.0.0.5', user: 'cfguser', port: 2200, connectTimeoutSec: 4, identitiesOnly: true });
    expect(t.identityFiles).toEqual([`${HOME}/.ssh/cfguser@10.0.0.5:2200`]);
    expect(t).not.toHaveProperty('priv');
  });

  it('ranks roster fields above ssh_config, and ssh_config above the master ssh_* defaults', () => {
    const f = fixture(ALIAS);
    const t = resolve(f, 'web1', { user: 'rosteruser', port: 2022, timeout: 3, identities_only: false, priv: '/roster/key' }, { ssh_user: 'master' });
    expect(t).toMatchObject({ host: '10.0.0.5', user: 'rosteruser', port: 2022, connectTimeoutSec: 3, identitiesOnly: false, priv: '/roster/key' });
    // the final user and port reach IdentityFile's tokens
    expect(t.identityFiles).toEqual([`${HOME}/.ssh/rosteruser@10.0.0.5:2022`]);
    const other = resolve(f, 'db1', {}, { ssh_user: 'master', ssh_port: 2201, ssh_priv: '/master/key' });
    expect(other).toMatchObject({ host: 'db1', user: 'master', port: 2201, priv: '/master/key' });
  });

  it('matches Host patterns against the roster host (else the id), as `ssh <host>` does', () => {
    const t = resolve(fixture(ALIAS), 'frontend', { host: 'web1' });
    expect(t).toMatchObject({ id: 'frontend', host: '10.0.0.5', user: 'cfguser' });
  });

  it('ranks --ssh-option > roster fields > roster ssh_options > --user flag > ssh_config', () => {
    const f = fixture(ALIAS, { cli: ['Port=7000'] });
    const t = resolve(f, 'web1', { user: 'rosteruser', ssh_options: ['User=optuser', 'Port=6000', 'HostName=10.9.9.9', 'ConnectTimeout=8'] }, {}, { user: 'flaguser' });
    expect(t).toMatchObject({ host: '10.9.9.9', user: 'rosteruser', port: 7000, connectTimeoutSec: 8 });
    expect(resolve(f, 'web1', { ssh_options: ['User=optuser'] }, {}, { user: 'flaguser' }).user).toBe('optuser');
    expect(resolve(f, 'web1', {}, { ssh_user: 'master' }, { user: 'flaguser' }).user).toBe('flaguser');
    expect(resolve(fixture(ALIAS, { cli: ['User=cli'] }), 'web1', { user: 'rosteruser' }).user).toBe('cli');
  });

  it('maps StrictHostKeyChecking, UserKnownHostsFile, ServerAlive* and HostKeyAlias; -i/--no-host-keys beat the config', () => {
    const text = 'Host *\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile ~/.ssh/kh_%n /tmp/shared\n  ServerAliveInterval 10\n  ServerAliveCountMax 2\n  HostKeyAlias %h-alias\n';
    const t = resolve(fixture(text), 'web1');
    expect(t).toMatchObject({ hostKeyMode: 'ignore', knownHostsFiles: [`${HOME}/.ssh/kh_web1`, '/tmp/shared'], serverAliveIntervalSec: 10, serverAliveCountMax: 2, hostKeyAlias: '%h-alias' });
    expect(resolve(fixture('StrictHostKeyChecking no\n'), 'a').hostKeyMode).toBe('none');
    expect(resolve(fixture('StrictHostKeyChecking yes\n'), 'a').hostKeyMode).toBe('strict');
    expect(resolve(fixture('StrictHostKeyChecking ask\n'), 'a')).not.toHaveProperty('hostKeyMode');
    expect(resolve(fixture('StrictHostKeyChecking no\n', { hasHostKeyFlag: true }), 'a')).not.toHaveProperty('hostKeyMode');
    expect(resolve(fixture('', { hasHostKeyFlag: true, cli: ['StrictHostKeyChecking=yes'] }), 'a').hostKeyMode).toBe('strict');
  });

  it('resolves ProxyJump hops into full targets, each with its own ssh_config lookup, flattening the first hop\'s own ProxyJump', () => {
    const text = [
      'Host target',
      '  ProxyJump admin@bastion:2222,inner',
      'Host bastion',
      '  HostName 192.0.2.1',
      '  User bastionuser',
      '  Port 22',
      '  IdentityFile ~/.ssh/bastion_%r',
      '  ProxyJump edge',
      'Host inner',
      '  HostName 10.0.0.1',
      '  ProxyJump ignored-because-of-chain',
      '  StrictHostKeyChecking yes',
      'Host edge',
      '  Port 443',
    ].join('\n');
    const t = resolve(fixture(text), 'target', { sudo: true, passwd: 'targetpw' }, { ssh_user: 'master' });
    expect(t.jumpHosts?.map((h) => [h.host, h.user, h.port])).toEqual([
      ['edge', 'master', 443],
      ['192.0.2.1', 'admin', 2222],
      ['10.0.0.1', 'master', 22],
    ]);
    const [, bastion, inner] = t.jumpHosts ?? [];
    expect(bastion?.identityFiles).toEqual([`${HOME}/.ssh/bastion_admin`]);
    expect(inner).toMatchObject({ hostKeyMode: 'strict', sudo: false, connection: 'ssh' });
    expect(inner).not.toHaveProperty('passwd');
    expect(t.jumpHosts?.every((h) => h.jumpHosts === undefined && h.proxyCommand === undefined)).toBe(true);
  });

  it('refuses a ProxyJump loop and a ProxyCommand on a jump host, in one line naming the line', () => {
    expect(() => resolve(fixture('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost t\n  ProxyJump a\n'), 't')).toThrow(/^.*config:\d+: ProxyJump chain longer than 16 hops/);
    expect(() => resolve(fixture('Host t\n  ProxyJump j\nHost j\n  ProxyCommand nc %h %p\n'), 't')).toThrow(
      new ConfigError(`${CONFIG}:4: ProxyCommand for jump host 'j' is not supported by brine (use ProxyJump)`),
    );
  });

  it('expands ProxyCommand tokens; ProxyJump=none from ssh_options beats the config', () => {
    const text = 'Host web1\n  HostName 10.0.0.5\n  ProxyCommand ssh -W %h:%p %r@gw # %n\nHost *\n  ProxyJump gw\n';
    expect(resolve(fixture(text), 'web1', { user: 'u' }).proxyCommand).toBe('ssh -W 10.0.0.5:22 u@gw # web1');
    const direct = resolve(fixture(text), 'web1', { ssh_options: ['ProxyJump=none'] });
    expect(direct).not.toHaveProperty('proxyCommand');
    expect(direct).not.toHaveProperty('jumpHosts');
  });

  it('reads ssh_config once per run, and never for connection: local hosts', () => {
    const f = fixture(ALIAS);
    expect(resolve(f, 'loc', { connection: 'local', host: 'web1' })).toMatchObject({ host: 'web1', connection: 'local' });
    expect(f.loads.count).toBe(0);
    resolve(f, 'web1');
    resolve(f, 'web2');
    expect(f.loads.count).toBe(1);
  });

  it('warns once per run for each keyword that would change how brine connects', () => {
    const f = fixture('Host *\n  KexAlgorithms curve25519-sha256\n  ForwardAgent yes\n  CertificateFile ~/.ssh/cert\n');
    resolve(f, 'a');
    resolve(f, 'b');
    expect(f.warnings).toEqual([
      `[WARNING ] ${CONFIG}:2: KexAlgorithms is not supported by brine and has no effect`,
      `[WARNING ] ${CONFIG}:4: CertificateFile is not supported by brine and has no effect`,
    ]);
  });
});

describe('roster ssh_options', () => {
  it('is checked at load: an option brine does not honour is one ConfigError naming file, host and option', () => {
    const roster = "web1:\n  host: 10.0.0.1\n  ssh_options:\n    - 'ProxyJump=bastion'\n    - 'LogLevel=ERROR'\n";
    expect(parseRoster(roster, 'roster.yaml').get('web1')?.ssh_options).toEqual(['ProxyJump=bastion', 'LogLevel=ERROR']);
    const bad = "web1:\n  ssh_options: ['KexAlgorithms=curve25519-sha256']\n";
    expect(() => parseRoster(bad, 'roster.yaml')).toThrow(ConfigError);
    expect(() => parseRoster(bad, 'roster.yaml')).toThrow(/^roster\.yaml: host 'web1': ssh_options 'KexAlgorithms=curve25519-sha256': KexAlgorithms is not supported by brine/);
  });
});
