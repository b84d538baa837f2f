import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { lexLine, matchPattern, SshConfig, type SshConfigReader, type SshLookup } from '../../../src/config/ssh-config.js';
import { applyDirectives, expandTokens, ignoredKeywords, parseJumps, parseSshOption } from '../../../src/config/ssh-options.js';

const HOME = '/home/op';

/** An in-memory file tree; `reads` counts each file's reads. */
function memoryReader(files: Record<string, string>) {
  const reads = new Map<string, number>();
  const reader: SshConfigReader = {
    readFile: (path) => {
      reads.set(path, (reads.get(path) ?? 0) + 1);
      return Object.hasOwn(files, path) ? files[path] : undefined;
    },
    listDir: (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] ?? '');
      return names.length === 0 ? undefined : [...new Set(names)];
    },
  };
  return { reader, reads };
}

function settingsFor(files: Record<string, string>, lookup: Partial<SshLookup> & { host: string }) {
  const { reader } = memoryReader(files);
  const config = new SshConfig(reader, [{ path: `${HOME}/.ssh/config`, isUser: true }, { path: '/etc/ssh/ssh_config', isUser: false }], HOME);
  return applyDirectives(config.lookup({ defaultUser: 'op', localUser: 'op', ...lookup }));
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('ssh_config lexing', () => {
  it('reads Key Value, Key=Value and Key = Value, keywords in any case, quoted args and trailing comments', () => {
    expect(lexLine('  HostName   web.example   ', 'f:1')).toMatchObject({ keyword: 'hostname', args: ['web.example'] });
    expect(lexLine('PORT=2222', 'f:2')).toMatchObject({ keyword: 'port', args: ['2222'] });
    expect(lexLine('User = deploy', 'f:3')).toMatchObject({ keyword: 'user', args: ['deploy'] });
    expect(lexLine('IdentityFile "~/my keys/id one" other\\ key # comment', 'f:4')).toMatchObject({ args: ['~/my keys/id one', 'other key'] });
    expect(lexLine('ProxyCommand nc -X connect %h %p', 'f:5')).toMatchObject({ rest: 'nc -X connect %h %p' });
    expect(lexLine('   # only a comment', 'f:6')).toBeUndefined();
    expect(errorOf(() => lexLine('IdentityFile "unterminated', '/home/op/.ssh/config:7'))).toBe('/home/op/.ssh/config:7: unterminated quote');
  });
});

describe('ssh_config matching', () => {
  it('takes the first value of each keyword across blocks and files; IdentityFile accumulates', () => {
    const s = settingsFor(
      {
        [`${HOME}/.ssh/config`]: 'Host web1\n  HostName 10.0.0.5\n  IdentityFile ~/.ssh/web\nHost *\n  HostName never\n  User ops\n  Port 2200\n  IdentityFile ~/.ssh/all\n',
        '/etc/ssh/ssh_config': 'Host *\n  User sysuser\n  ConnectTimeout 1m30s\n',
      },
      { host: 'web1' },
    );
    expect(s).toMatchObject({ hostName: { value: '10.0.0.5' }, user: 'ops', port: 2200, connectTimeoutSec: 90 });
    expect(s.identityFiles.map((f) => f.value)).toEqual(['~/.ssh/web', '~/.ssh/all']);
    expect(s.hostName?.where).toBe(`${HOME}/.ssh/config:2`);
  });

  it('matches * and ? wildcards over the whole name, as match.c does', () => {
    const cases: Array<[string, string, boolean]> = [
      ['web1.prod', '*.prod', true], ['web1.prod.x', '*.prod', false], ['abcbc', 'a*bc', true], ['ab', 'a*b*', true],
      ['a', '?', true], ['', '*', true], ['', '?', false], ['10.0.0.5', '10.0.*.?', true], ['web', 'w*x', false],
    ];
    for (const [text, pattern, expected] of cases) expect([text, pattern, matchPattern(text, pattern)]).toEqual([text, pattern, expected]);
  });

  it('matches Host patterns case-insensitively with * and ?, and a matching !pattern excludes the host', () => {
    const files = { [`${HOME}/.ssh/config`]: 'Host *.prod !bastion.prod db?\n  User prod\nHost *\n  User other\n' };
    expect(settingsFor(files, { host: 'WEB.prod' }).user).toBe('prod');
    expect(settingsFor(files, { host: 'db1' }).user).toBe('prod');
    expect(settingsFor(files, { host: 'bastion.prod' }).user).toBe('other');
    expect(settingsFor(files, { host: 'db12' }).user).toBe('other');
  });

  it('follows Include relative to ~/.ssh, globbed in sorted order, only inside a matching block, and reads each file once', () => {
    const files = {
      [`${HOME}/.ssh/config`]: 'Include conf.d/*.conf\nHost other\n  Include ~/.ssh/other.conf\nHost *\n  Port 2\n',
      [`${HOME}/.ssh/conf.d/b.conf`]: 'Host web*\n  User from-b\n',
      [`${HOME}/.ssh/conf.d/a.conf`]: 'Host web*\n  User from-a\n  Port 1\n',
      [`${HOME}/.ssh/other.conf`]: 'User from-other\n',
    };
    const { reader, reads } = memoryReader(files);
    const config = new SshConfig(reader, [{ path: `${HOME}/.ssh/config`, isUser: true }], HOME);
    const web = applyDirectives(config.lookup({ host: 'web1', defaultUser: 'op', localUser: 'op' }));
    expect(web).toMatchObject({ user: 'from-a', port: 1 });
    expect(reads.has(`${HOME}/.ssh/other.conf`)).toBe(false);
    expect(applyDirectives(config.lookup({ host: 'other', defaultUser: 'op', localUser: 'op' }))).toMatchObject({ user: 'from-other', port: 2 });
    config.lookup({ host: 'web2', defaultUser: 'op', localUser: 'op' });
    expect(reads.get(`${HOME}/.ssh/conf.d/a.conf`)).toBe(1);
    expect(reads.get(`${HOME}/.ssh/config`)).toBe(1);
  });

  it('ends an Include that includes itself with a one-line error naming the line', () => {
    const files = { [`${HOME}/.ssh/config`]: 'Include config\n' };
    expect(errorOf(() => settingsFor(files, { host: 'x' }))).toBe(`${HOME}/.ssh/config:1: Include nested more than 16 deep`);
  });

  it('evaluates Match host (after HostName), originalhost, user, localuser, all and ! criteria', () => {
    const files = {
      [`${HOME}/.ssh/config`]: [
        'Host web1',
        '  HostName 10.1.2.3',
        'Match host 10.1.*.* user deploy',
        '  Port 2201',
        'Match originalhost web1 !user root',
        '  IdentityFile ~/.ssh/orig',
        'Match localuser op',
        '  ConnectTimeout 7',
        'Match all',
        '  Port 9',
      ].join('\n'),
    };
    const deploy = settingsFor(files, { host: 'web1', user: 'deploy' });
    expect(deploy).toMatchObject({ port: 2201, connectTimeoutSec: 7 });
    expect(deploy.identityFiles.map((f) => f.value)).toEqual(['~/.ssh/orig']);
    const root = settingsFor(files, { host: 'web1', user: 'root' });
    expect(root).toMatchObject({ port: 9 });
    expect(root.identityFiles).toEqual([]);
    // Match user falls back to the User set so far in the config, then the default user
    const cfgUser = settingsFor({ [`${HOME}/.ssh/config`]: 'User deploy\nMatch user deploy\n  Port 5\n' }, { host: 'h' });
    expect(cfgUser.port).toBe(5);
  });

  it('refuses an unsupported Match criterion with one line naming file:line', () => {
    const files = { [`${HOME}/.ssh/config`]: 'Host a\n  User x\nMatch exec "test -f /x"\n  User y\n' };
    expect(errorOf(() => settingsFor(files, { host: 'b' }))).toBe(
      `${HOME}/.ssh/config:3: Match criterion 'exec' is not supported by brine (supported: all, host, originalhost, user, localuser)`,
    );
    expect(errorOf(() => settingsFor({ [`${HOME}/.ssh/config`]: 'Match host\n' }, { host: 'b' }))).toBe(`${HOME}/.ssh/config:1: Match host needs a pattern`);
  });

  it('lets the first of ProxyJump and ProxyCommand win, none included', () => {
    const jump = settingsFor({ [`${HOME}/.ssh/config`]: 'ProxyJump a,b\nProxyCommand nc %h %p\n' }, { host: 'x' });
    expect(jump.route).toMatchObject({ kind: 'jump', hops: [{ host: 'a' }, { host: 'b' }] });
    const cmd = settingsFor({ [`${HOME}/.ssh/config`]: 'ProxyCommand nc %h %p\nProxyJump a\n' }, { host: 'x' });
    expect(cmd.route).toMatchObject({ kind: 'command', command: 'nc %h %p' });
    const none = settingsFor({ [`${HOME}/.ssh/config`]: 'Host x\n  ProxyJump none\nHost *\n  ProxyJump a\n' }, { host: 'x' });
    expect(none.route).toMatchObject({ kind: 'none' });
  });

  it('reads the values brine honours and names the line of a bad one', () => {
    const s = settingsFor(
      {
        [`${HOME}/.ssh/config`]:
          'StrictHostKeyChecking accept-new\nUserKnownHostsFile ~/.ssh/a %d/b\nServerAliveInterval 15\nServerAliveCountMax 4\nHostKeyAlias web\nIdentitiesOnly yes\n',
      },
      { host: 'x' },
    );
    expect(s).toMatchObject({ hostKeyMode: 'ignore', serverAliveIntervalSec: 15, serverAliveCountMax: 4, hostKeyAlias: 'web', identitiesOnly: true });
    expect(s.knownHostsFiles?.value).toEqual(['~/.ssh/a', '%d/b']);
    expect(errorOf(() => settingsFor({ [`${HOME}/.ssh/config`]: '\nPort ssh\n' }, { host: 'x' }))).toBe(`${HOME}/.ssh/config:2: Port must be an integer 1-65535 (got 'ssh')`);
    expect(errorOf(() => settingsFor({ [`${HOME}/.ssh/config`]: 'StrictHostKeyChecking maybe\n' }, { host: 'x' }))).toMatch(/config:1: StrictHostKeyChecking must be yes/);
  });
});

describe('ssh_config keywords brine does not honour', () => {
  it('warns for ones that change how brine connects, stays silent for inert ones, honours IgnoreUnknown', () => {
    const { reader } = memoryReader({
      [`${HOME}/.ssh/config`]: 'Host *\n  ForwardAgent yes\n  Compression yes\n  SendEnv LANG\n  KexAlgorithms curve25519-sha256\n  PasswordAuthentication yes\n  Bogus 1\n  IgnoreUnknown UseFoo\n  UseFoo yes\n',
    });
    const config = new SshConfig(reader, [{ path: `${HOME}/.ssh/config`, isUser: true }], HOME);
    const warnings = ignoredKeywords(config.lookup({ host: 'x', defaultUser: 'op', localUser: 'op' })).map((w) => w.message);
    expect(warnings).toEqual([`${HOME}/.ssh/config:5: KexAlgorithms is not supported by brine and has no effect`, `${HOME}/.ssh/config:7: unknown ssh_config keyword 'bogus' ignored`]);
  });
});

describe('-o options (--ssh-option, roster ssh_options)', () => {
  it('accepts honoured and inert options in both forms', () => {
    expect(parseSshOption('ProxyJump=admin@bastion:2222', '--ssh-option')).toMatchObject({ keyword: 'proxyjump', args: ['admin@bastion:2222'] });
    expect(parseSshOption('StrictHostKeyChecking no', '--ssh-option')).toMatchObject({ keyword: 'stricthostkeychecking' });
    expect(parseSshOption('LogLevel=ERROR', '--ssh-option').keyword).toBe('loglevel');
    expect(parseSshOption('ForwardAgent=no', '--ssh-option').keyword).toBe('forwardagent');
  });

  it('refuses, in one line naming where and the option, anything brine would not honour', () => {
    const where = "roster.yaml: host 'web1': ssh_options";
    expect(errorOf(() => parseSshOption('Ciphers=aes128-ctr', where))).toMatch(/^roster\.yaml: host 'web1': ssh_options 'Ciphers=aes128-ctr': Ciphers is not supported by brine \(honoured: HostName, User, Port, /);
    expect(errorOf(() => parseSshOption('ForwardAgent=yes', '--ssh-option'))).toMatch(/^--ssh-option 'ForwardAgent=yes': ForwardAgent is not supported by brine/);
    expect(errorOf(() => parseSshOption('NoSuchThing=1', '--ssh-option'))).toMatch(/^--ssh-option 'NoSuchThing=1': unknown ssh option 'nosuchthing'/);
    expect(errorOf(() => parseSshOption('Host=x', '--ssh-option'))).toMatch(/unknown ssh option 'host'/);
    expect(errorOf(() => parseSshOption('Port=http', '--ssh-option'))).toBe("--ssh-option 'Port=http': Port must be an integer 1-65535 (got 'http')");
    expect(errorOf(() => parseSshOption('User', '--ssh-option'))).toBe("--ssh-option 'User': User needs a value (Key=Value)");
  });
});

describe('ProxyJump specs and tokens', () => {
  it('parses chains of [ssh://][user@]host[:port], IPv6 in brackets', () => {
    expect(parseJumps('a,admin@b:2222,ssh://c@[::1]:22', 'f:1')).toEqual([{ host: 'a' }, { host: 'b', user: 'admin', port: 2222 }, { host: '::1', user: 'c', port: 22 }]);
    expect(errorOf(() => parseJumps('a,,b', 'f:1'))).toBe("f:1: ProxyJump '' is not [user@]host[:port]");
    expect(errorOf(() => parseJumps('h:99999', 'f:2'))).toMatch(/^f:2: ProxyJump must be an integer 1-65535/);
  });

  it('expands %h %u %r %d %p %n %%, ${VAR} and ~, and names the line of an unknown token', () => {
    const tokens = { d: HOME, h: '10.0.0.5', n: 'web1', p: '22', r: 'deploy', u: 'op' };
    expect(expandTokens('~/.ssh/%h-%r@%n_%p_%u_%%', tokens, 'f:1', { homeDir: HOME, env: {} })).toBe(`${HOME}/.ssh/10.0.0.5-deploy@web1_22_op_%`);
    expect(expandTokens('%d/${KEYS}/id', tokens, 'f:1', { homeDir: HOME, env: { KEYS: 'k' } })).toBe(`${HOME}/k/id`);
    expect(errorOf(() => expandTokens('~/.ssh/%C', tokens, '/home/op/.ssh/config:4'))).toMatch(/^\/home\/op\/\.ssh\/config:4: token '%C' is not supported here/);
  });
});
