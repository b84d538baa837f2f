import { describe, expect, it } from 'vitest';
import SaltSsh from '../../../src/commands/ssh.js';
import { unquotedCommandHint } from '../../../src/cli/quote-hint.js';

const hint = (...argv: string[]) => unquotedCommandHint('salt-ssh', argv, SaltSsh.flags);

describe('unquoted command hint', () => {
  it.each([
    [['*', 'cmd.run', 'ls', '-l'], "the command was split at '-l', which salt-ssh took as its own flag; quote the command: salt-ssh '*' cmd.run 'ls -l'"],
    [['*', 'cmd.run', 'ls', '-la', '/tmp', '--out', 'json'], "split at '-la', which salt-ssh took as its own flag; quote the command: salt-ssh '*' cmd.run 'ls -la /tmp'"],
    [['web*', 'cmd.run_all', 'df', '-h'], "quote the command: salt-ssh 'web*' cmd.run_all 'df -h'"],
    [['*', 'cmd.run', 'ls', '--color'], "split at '--color'"],
    [['-L', 'a,b', 'cmd.shell', 'grep', '-c', 'x', 'f'], "quote the command: salt-ssh a,b cmd.shell 'grep -c x f'"],
    [['*', '-r', 'uname', '-a'], "quote the command: salt-ssh '*' -r 'uname -a'"],
    [['*', 'cmd.run', "it's", '-x'], `quote the command: salt-ssh '*' cmd.run 'it'\\''s -x'`],
  ])('%j', (argv, expected) => {
    expect(hint(...argv)).toContain(expected);
  });

  it.each([
    [['*', 'cmd.run', 'ls -l']],
    [['*', 'cmd.run', 'ls -l', '-l', 'debug']],
    [['*', 'cmd.run', 'uptime', '-v', '-s', '--out', 'json', '-ldebug']],
    [['*', 'cmd.run', 'uptime', '-vs', '--timeout', '5', 'cwd=/tmp']],
    [['-l', 'debug', '*', 'cmd.run', 'uptime']],
    [['*', 'test.echo', 'hi', '-v']],
    [['*', 'cmd.run', 'echo', '--', '-n']],
    [['*', 'grains.item', 'os', '-x']],
  ])('no hint for %j', (argv) => {
    expect(hint(...argv)).toBeUndefined();
  });
});
