import { describe, expect, it } from 'vitest';
import SaltSsh from '../../../src/commands/ssh.js';
import { completionScript } from '../../../src/cli/completion.js';
import { exitCodeRows } from '../../../src/cli/help.js';
import { ExitCode } from '../../../src/errors.js';

describe('completion script', () => {
  it('bash: every flag spelling, value lists for --out and -l, files for file flags, functions for words', () => {
    const script = completionScript('bash', 'salt-ssh', SaltSsh.flags, ['cmd.run', 'test.ping']);
    for (const spelling of ['--roster-file', '-E', '--pcre', '--out', '--output', '-l', '--log-level', '--ignore-host-keys', '--completion']) {
      expect(script).toContain(` ${spelling}`);
    }
    expect(script).toMatch(/--out\|--output\) COMPREPLY=\( \$\(compgen -W "[^"]*\bjson\b[^"]*\bnested\b[^"]*" -- "\$cur"\) \)/);
    expect(script).toContain('--completion) COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") )');
    expect(script).toContain('-l|--log-level) COMPREPLY=( $(compgen -W "all garbage trace debug profile info warning error critical quiet"');
    expect(script).toContain('--roster-file) COMPREPLY=( $(compgen -f -- "$cur") )');
    expect(script).toContain('-c|--config-dir) COMPREPLY=( $(compgen -d -- "$cur") )');
    expect(script).toContain('COMPREPLY=( $(compgen -W "cmd.run test.ping" -- "$cur") )');
    expect(script).toContain('complete -o default -F _salt_ssh salt-ssh');
  });

  it('zsh: _arguments specs with descriptions that cannot break the quoting', () => {
    const script = completionScript('zsh', 'salt-ssh', SaltSsh.flags, ['cmd.run']);
    expect(script.startsWith('#compdef salt-ssh\n')).toBe(true);
    expect(script).toContain("'--roster-file=[");
    expect(script).toContain(":roster-file:_files'");
    expect(script).toContain("'-l+[");
    expect(script).toContain("'*:argument:(cmd.run)'");
    for (const line of script.split('\n').filter((l) => l.startsWith("    '"))) expect(line).toMatch(/^ {4}'[^']*' \\$|^ {4}'[^']*'$/);
  });

  it('an unknown shell is a usage error naming the valid ones', () => {
    expect(() => completionScript('fish', 'salt-ssh', SaltSsh.flags, [])).toThrow("--completion: 'fish' is not a supported shell (valid: bash, zsh)");
  });
});

describe('help EXIT CODES', () => {
  it('has one row per code of the table in src/errors.ts, in order', () => {
    const rows = exitCodeRows();
    expect(rows.map(([code]) => Number(code))).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
    expect(rows.every(([, meaning]) => meaning.length > 0)).toBe(true);
  });
});
