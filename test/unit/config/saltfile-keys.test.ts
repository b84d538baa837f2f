import { describe, expect, it } from 'vitest';
import { configError } from '../../helpers/config-error.js';
import { parseSaltfile } from '../../../src/config/saltfile.js';
import { parseRoster } from '../../../src/roster/load.js';

describe('Saltfile keys', () => {
  it('reads the flag dests brine honours, under salt dests or flag spellings', () => {
    const values = parseSaltfile(
      'salt-ssh:\n  output: json\n  out-indent: 2\n  static: true\n  verbose: true\n  ignore_host_keys: true\n  key-deploy: true\n  delimiter: "|"\n  timeout: 30\n',
      'Saltfile',
    );
    expect(values).toEqual({ output: 'json', output_indent: 2, static: true, verbose: true, ignore_host_keys: true, ssh_key_deploy: true, delimiter: '|', timeout: 30 });
  });

  it('accepts thin keys (noted at run time), master keys brine reads and returner options', () => {
    expect(Object.keys(parseSaltfile('salt-ssh:\n  ssh_wipe: true\n  rand-thin-dir: true\n  regen_thin: true\n  ssh_port: 2222\n  mysql.host: db\n  roster: flat\n', 'S'))).toEqual([
      'ssh_wipe', 'rand_thin_dir', 'regen_thin', 'ssh_port', 'mysql.host', 'roster',
    ]);
  });

  it('type-checks honoured keys, and refuses unsupported and unknown keys in one line naming the file and key', () => {
    expect(configError(() => parseSaltfile('salt-ssh:\n  static: maybe\n', 'S'))).toBe("S: key 'static' must be a boolean (true/false, yes/no) (got 'maybe')");
    expect(configError(() => parseSaltfile('salt-ssh:\n  out-indent: wide\n', 'S'))).toBe("S: key 'output_indent' must be an integer (got 'wide')");
    expect(configError(() => parseSaltfile('salt-ssh:\n  roster: scan\n', 'S'))).toBe("S: key 'roster' is not supported: brine reads only salt's flat roster (roster_file)");
    expect(configError(() => parseSaltfile('salt-ssh:\n  askpass: true\n', 'S'))).toBe("S: key 'ssh_askpass' is not supported: a Saltfile cannot prompt; pass --askpass");
    expect(configError(() => parseSaltfile('salt-ssh:\n  log_level: debug\n', 'S'))).toMatch(/^S: key 'log_level' is not supported: the log starts before the Saltfile is read/);
    expect(configError(() => parseSaltfile('salt-ssh:\n  staticc: true\n', 'S'))).toMatch(/^S: unknown key 'staticc' in salt-ssh: \(keys are salt-ssh option dests/);
  });
});

describe('roster cmd_umask', () => {
  it('reads an octal umask, as YAML 1.1 int or string, and refuses anything else naming the host', () => {
    const roster = parseRoster("a:\n  cmd_umask: 0077\nb:\n  cmd_umask: '022'\nc:\n  cmd_umask: 0o027\n", 'r.yaml');
    expect([...roster.values()].map((e) => e.cmd_umask)).toEqual(['0077', '0022', '0027']);
    expect(configError(() => parseRoster("a:\n  cmd_umask: '999'\n", 'r.yaml'))).toBe(
      "r.yaml: host 'a': key 'cmd_umask' must be an octal umask such as 0077 or '022' (got '999')",
    );
    expect(configError(() => parseRoster('a:\n  cmd_umask: 4096\n', 'r.yaml'))).toMatch(/key 'cmd_umask' must be an octal umask/);
  });
});
