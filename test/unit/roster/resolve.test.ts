import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { ConfigError } from '../../../src/errors.js';
import { buildTargetDefaults, resolveTarget, type TargetFlags } from '../../../src/roster/resolve.js';

const HOME = '/home/tester';

function defaults(opts: Record<string, unknown> = {}, flags: TargetFlags = {}) {
  return buildTargetDefaults({ opts, flags, osUser: 'osuser', homeDir: HOME, where: '/etc/salt/master' });
}

describe('resolveTarget', () => {
  it('fills brine defaults: host = id, port 22, the OS user, 10 s connect timeout, ssh', () => {
    expect(resolveTarget('web1', {}, defaults())).toEqual({
      id: 'web1',
      host: 'web1',
      port: 22,
      user: 'osuser',
      sudo: false,
      tty: false,
      connectTimeoutSec: DEFAULTS.connectTimeoutSec,
      identitiesOnly: false,
      connection: 'ssh',
    });
    expect(DEFAULTS.connectTimeoutSec).toBe(10);
  });

  it('applies entry > roster_defaults > flags > config > defaults for user', () => {
    const config = { ssh_user: 'cfg', roster_defaults: { user: 'rdef' } };
    const flags = { user: 'flag' };
    expect(resolveTarget('h', { user: 'entry' }, defaults(config, flags)).user).toBe('entry');
    expect(resolveTarget('h', {}, defaults(config, flags)).user).toBe('rdef');
    expect(resolveTarget('h', {}, defaults({ ssh_user: 'cfg' }, flags)).user).toBe('flag');
    expect(resolveTarget('h', {}, defaults({ ssh_user: 'cfg' })).user).toBe('cfg');
    expect(resolveTarget('h', {}, defaults()).user).toBe('osuser');
  });

  it('lets flags set sudo, passwd, priv and identities_only without overriding roster values', () => {
    const d = defaults({ ssh_sudo: false, ssh_passwd: 'cfgpw' }, {
      sudo: true,
      passwd: 'flagpw',
      priv: '~/.ssh/flag_key',
      privPasswd: 'kp',
      identitiesOnly: true,
    });
    const fromFlags = resolveTarget('a', {}, d);
    expect(fromFlags).toMatchObject({
      sudo: true,
      passwd: 'flagpw',
      priv: `${HOME}/.ssh/flag_key`,
      privPasswd: 'kp',
      identitiesOnly: true,
    });
    const fromRoster = resolveTarget('b', { sudo: false, passwd: 'rpw', priv: '/k', identities_only: false }, d);
    expect(fromRoster).toMatchObject({ sudo: false, passwd: 'rpw', priv: '/k', identitiesOnly: false });
  });

  it('reads salt ssh_* config keys, including salt\'s string ssh_port and empty-string passwords', () => {
    const d = defaults({
      ssh_port: '2200',
      ssh_passwd: '',
      ssh_priv: '~/id',
      ssh_sudo: true,
      ssh_sudo_user: 'app',
      ssh_timeout: 3,
      ssh_identities_only: true,
    });
    const t = resolveTarget('x', {}, d);
    expect(t).toMatchObject({ port: 2200, priv: `${HOME}/id`, sudo: true, sudoUser: 'app', connectTimeoutSec: 3 });
    expect(t.identitiesOnly).toBe(true);
    expect(t).not.toHaveProperty('passwd');
  });

  it('overlays the entry on roster_defaults shallowly, as salt does', () => {
    const d = defaults({
      roster_defaults: { port: 2022, sudo: true, minion_opts: { a: 1, b: 1 } },
      ssh_minion_opts: { g: 1 },
    });
    const t = resolveTarget('x', { host: '10.1.1.1', minion_opts: { b: 2 }, timeout: 4 }, d);
    expect(t).toMatchObject({ host: '10.1.1.1', port: 2022, sudo: true, connectTimeoutSec: 4 });
    expect(t.minionOpts).toEqual({ g: 1, b: 2 });
  });

  it('keeps host and port for connection: local and treats priv agent-forwarding as no key file', () => {
    const t = resolveTarget('loc', { host: '127.0.0.1', port: 2222, connection: 'local', priv: 'agent-forwarding' }, defaults({ ssh_priv: '/cfg/key' }));
    expect(t).toMatchObject({ connection: 'local', host: '127.0.0.1', port: 2222 });
    expect(t).not.toHaveProperty('priv');
  });

  it('rejects badly typed config keys and roster_defaults with one line naming the key', () => {
    expect(() => defaults({ ssh_port: 'ssh' })).toThrow(ConfigError);
    expect(() => defaults({ ssh_port: 'ssh' })).toThrow(
      "/etc/salt/master: key 'ssh_port' must be an integer 1-65535 (got 'ssh')",
    );
    expect(() => defaults({ roster_defaults: { sudo: 'often' } })).toThrow(
      "/etc/salt/master: roster_defaults: key 'sudo' must be a boolean (true/false, yes/no) (got 'often')",
    );
  });
});
