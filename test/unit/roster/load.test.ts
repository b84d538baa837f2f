import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '../../../src/errors.js';
import { loadRoster } from '../../../src/roster/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brine-roster-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rosterFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The ConfigError a load rejects with, asserted to be one line with exit code 78. */
async function loadError(file: string): Promise<string> {
  const err: unknown = await loadRoster(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const ce = err as ConfigError;
  expect(ce.exitCode).toBe(ExitCode.CONFIG);
  expect(ce.message).not.toContain('\n');
  return ce.message;
}

describe('loadRoster', () => {
  it('reads bare strings, mappings and YAML 1.1 booleans in file order', async () => {
    const file = await rosterFile(
      'ok.yaml',
      [
        'web2: 10.0.0.2',
        'web1:',
        '  host: 10.0.0.1',
        '  port: "2222"',
        '  user: deploy',
        '  sudo: yes',
        '  tty: off',
        '  timeout: 7',
        '  minion_opts: {log_level: debug}',
        '  thin_dir: /var/tmp/x',
        '  cmd_umask: 0077',
        '  ssh_options: [ "Compression=yes" ]',
        '  ssh_pre_flight_args: "-v -x"',
        '  set_path: "$PATH:/usr/local/bin"',
        '  identities_only: no',
        'local1:',
        '  connection: local',
        'bare:',
        'oct:',
        '  port: 0022',
      ].join('\n'),
    );
    const roster = await loadRoster(file);
    // `bare:` (every key commented out) is skipped, as salt's roster_matcher skips falsy entries.
    expect([...roster.keys()]).toEqual(['web2', 'web1', 'local1', 'oct']);
    expect(roster.get('web2')).toEqual({ host: '10.0.0.2' });
    expect(roster.get('web1')).toEqual({
      host: '10.0.0.1',
      port: 2222,
      user: 'deploy',
      sudo: true,
      tty: false,
      timeout: 7,
      minion_opts: { log_level: 'debug' },
      thin_dir: '/var/tmp/x',
      cmd_umask: '0077',
      ssh_options: ['Compression=yes'],
      ssh_pre_flight_args: '-v -x',
      set_path: '$PATH:/usr/local/bin',
      identities_only: false,
    });
    expect(roster.get('local1')).toEqual({ connection: 'local' });
    expect(roster.has('bare')).toBe(false);
    // PyYAML reads 0022 as octal too.
    expect(roster.get('oct')).toEqual({ port: 18 });
  });

  it('treats an empty or comment-only file as an empty roster', async () => {
    expect((await loadRoster(await rosterFile('empty.yaml', ''))).size).toBe(0);
    expect((await loadRoster(await rosterFile('comment.yaml', '# nothing yet\n'))).size).toBe(0);
  });

  it('reports a YAML error with file:line:col on one line', async () => {
    const file = await rosterFile('bad-yaml.yaml', 'web1:\n  host: a\n port: 22\n');
    expect(await loadError(file)).toMatch(new RegExp(`^${file}:3:\\d+: YAML error: \\S`));
  });

  it('names the host and key for a bad port', async () => {
    const file = await rosterFile('bad-port.yaml', 'web1:\n  port: abc\n');
    expect(await loadError(file)).toBe(`${file}: host 'web1': key 'port' must be an integer 1-65535 (got 'abc')`);
    const big = await rosterFile('big-port.yaml', 'web1:\n  port: 70000\n');
    expect(await loadError(big)).toBe(`${big}: host 'web1': key 'port' must be an integer 1-65535 (got 70000)`);
  });

  it('lists the valid keys for an unknown key', async () => {
    const file = await rosterFile('typo.yaml', 'web1:\n  host: a\n  prot: 22\n');
    const msg = await loadError(file);
    expect(msg).toMatch(new RegExp(`^${file}: host 'web1': unknown key 'prot' \\(valid: host, port, user, `));
    expect(msg).toContain('ssh_pre_flight_args)');
  });

  it('rejects wrong types: sudo string, numeric passwd, bad connection, list entry, list roster', async () => {
    const cases: Array<[string, string]> = [
      ['web1:\n  sudo: maybe\n', "host 'web1': key 'sudo' must be a boolean (true/false, yes/no) (got 'maybe')"],
      ['web1:\n  passwd: 1234\n', "host 'web1': key 'passwd' must be a string (quote it) (got a number)"],
      ['web1:\n  connection: winrm\n', "host 'web1': key 'connection' must be 'ssh' or 'local' (got 'winrm')"],
      ['web1: [a, b]\n', "host 'web1': must be a mapping or a host string (got a list)"],
      ['- web1\n- web2\n', 'the roster must be a mapping of id to host (got a list)'],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const file = await rosterFile(`type-${i}.yaml`, text);
      expect(await loadError(file)).toBe(`${file}: ${expected}`);
    }
  });

  it('reports a missing or unreadable roster file', async () => {
    const missing = join(dir, 'nope', 'roster');
    expect(await loadError(missing)).toBe(`roster file ${missing} not found`);
    expect(await loadError(dir)).toBe(`roster file ${dir} is not readable (it is a directory)`);
  });

  it('loads 5,000 entries quickly', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`host${i}:\n  host: 10.0.${i >> 8}.${i & 255}\n  port: 22\n  sudo: yes`);
    const file = await rosterFile('big.yaml', lines.join('\n'));
    // CPU time, not wall time: the 2-core machine is shared by parallel test runs.
    const started = process.cpuUsage();
    const roster = await loadRoster(file);
    const cpu = process.cpuUsage(started);
    const elapsedMs = (cpu.user + cpu.system) / 1000;
    expect(roster.size).toBe(5000);
    expect(roster.get('host4999')).toEqual({ host: '10.0.19.135', port: 22, sudo: true });
    expect(elapsedMs).toBeLessThan(2500);
  });
});

describe('loadRoster duplicate keys', () => {
  it('rejects a duplicate host id or key with its line and column', async () => {
    const hosts = await rosterFile('dup-host.yaml', 'web1: a\nweb2: b\nweb1: c\n');
    expect(await loadError(hosts)).toBe(`${hosts}:3:1: YAML error: duplicate key 'web1'`);
    const keys = await rosterFile('dup-key.yaml', 'web1:\n  port: 22\n  port: 23\n');
    expect(await loadError(keys)).toBe(`${keys}:3:3: YAML error: duplicate key 'port'`);
  });
});
