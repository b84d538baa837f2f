import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { loadConfig, type ConfigInput } from '../../../src/config/load.js';
import { ConfigError, ExitCode, UsageError } from '../../../src/errors.js';
import { keepJobsSeconds } from '../../../src/salt/retention.js';

let root: string;
let caseNo = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'brine-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Tree {
  dir: string;
  cwd: string;
  home: string;
  etc: string;
  input: ConfigInput;
}

/** A fresh cwd/home/etc tree per test; `files` maps paths relative to it to contents. */
async function tree(files: Record<string, string> = {}, input: Partial<ConfigInput> = {}): Promise<Tree> {
  const dir = join(root, `case${caseNo++}`);
  const cwd = join(dir, 'cwd');
  const home = join(dir, 'home');
  const etc = join(dir, 'etc');
  for (const d of [cwd, home, etc]) await mkdir(d, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return {
    dir,
    cwd,
    home,
    etc,
    input: {
      cwd,
      env: {},
      homeDir: home,
      isRoot: false,
      configDir: etc,
      systemRosterFile: join(dir, 'system-roster'),
      systemCacheDir: join(dir, 'var', 'cache', 'salt', 'master'),
      ...input,
    },
  };
}

async function configError(input: ConfigInput): Promise<ConfigError> {
  const err: unknown = await loadConfig(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).exitCode).toBe(ExitCode.CONFIG);
  expect((err as ConfigError).message).not.toContain('\n');
  return err as ConfigError;
}

describe('loadConfig: master file', () => {
  it('uses the documented defaults when the config dir is empty', async () => {
    const t = await tree();
    const cfg = await loadConfig(t.input);
    expect(cfg.configDir).toBe(t.etc);
    expect(cfg.masterFile).toBeUndefined();
    expect(cfg.opts).toEqual(DEFAULTS.masterOpts);
    // unset: the fan-out adapts (job/adaptive-limit.ts), up to DEFAULTS.sshMaxProcs hosts in flight
    expect(cfg.opts['ssh_max_procs']).toBeUndefined();
    expect(cfg.saltfileValues).toEqual({});
  });

  it('merges master < master.d/*.conf (sorted, recursive among includes)', async () => {
    const t = await tree({
      'etc/master': 'ssh_max_procs: 5\nkeep_jobs_seconds: 10\nnodegroups: {a: web1}\nssh_sudo: yes\n',
      'etc/master.d/20-late.conf': 'ssh_max_procs: 9\nmysql: {port: 3307}\n',
      'etc/master.d/10-early.conf': 'ssh_max_procs: 7\nmysql: {host: db}\n',
      'etc/master.d/ignored.txt': 'ssh_max_procs: 99\n',
    });
    const cfg = await loadConfig(t.input);
    expect(cfg.masterFile).toBe(join(t.etc, 'master'));
    expect(cfg.opts).toMatchObject({
      ssh_max_procs: 9,
      keep_jobs_seconds: 10,
      nodegroups: { a: 'web1' },
      ssh_sudo: true,
      mysql: { host: 'db', port: 3307 },
      ssh_port: 22,
    });
  });

  it('reports YAML errors with file:line:col and non-mappings naming the file', async () => {
    const bad = await tree({ 'etc/master': 'a: 1\nb: [1,\n' });
    expect((await configError(bad.input)).message).toMatch(
      new RegExp(`^${join(bad.etc, 'master')}:\\d+:\\d+: YAML error: `),
    );
    const list = await tree({ 'etc/master.d/x.conf': '- a\n' });
    expect((await configError(list.input)).message).toBe(
      `${join(list.etc, 'master.d', 'x.conf')}: must be a mapping of options (got a list)`,
    );
  });

  it('type-checks the keys it reads', async () => {
    const cases: Array<[string, string]> = [
      ['ssh_max_procs: x', "key 'ssh_max_procs' must be a positive integer (got 'x')"],
      ['ssh_max_procs: 0', "key 'ssh_max_procs' must be a positive integer (got 0)"],
      ['keep_jobs_seconds: -1', "key 'keep_jobs_seconds' must be a non-negative number (got -1)"],
      ['nodegroups: [a]', "key 'nodegroups' must be a mapping (got a list)"],
      ['cachedir: 5', "key 'cachedir' must be a string (got 5)"],
      ['roster_defaults: {prot: 22}', 'roster_defaults: unknown key \'prot\' (valid: host, port,'],
    ];
    for (const [text, expected] of cases) {
      const t = await tree({ 'etc/master': `${text}\n` });
      expect((await configError(t.input)).message).toContain(`${join(t.etc, 'master')}: ${expected}`);
    }
  });

  it('derives keep_jobs_seconds from the deprecated keep_jobs hours only when it is unset', async () => {
    const hours = await tree({ 'etc/master': 'keep_jobs: 2\n' });
    expect((await loadConfig(hours.input)).opts['keep_jobs_seconds']).toBe(7200);
    const both = await tree({ 'etc/master': 'keep_jobs: 2\nkeep_jobs_seconds: 60\n' });
    expect((await loadConfig(both.input)).opts['keep_jobs_seconds']).toBe(60);
  });

  it("resolves keep_jobs_seconds by salt's one rule, the one retention applies (keep_jobs wins over a default keep_jobs_seconds)", async () => {
    const cases: [string, number][] = [
      ['keep_jobs: 2\nkeep_jobs_seconds: 86400\n', 7200],
      ['keep_jobs: 0\n', 0],
      ['keep_jobs: 24\nkeep_jobs_seconds: 0\n', 0],
      ['ssh_max_procs: 3\n', 86_400],
    ];
    for (const [master, seconds] of cases) {
      const { opts } = await loadConfig((await tree({ 'etc/master': master })).input);
      expect(opts['keep_jobs_seconds'], master).toBe(seconds);
      expect(keepJobsSeconds(opts), master).toBe(seconds);
    }
  });
});

describe('loadConfig: Saltfile', () => {
  it('prefers --saltfile > SALT_SALTFILE > ./Saltfile > ~/.salt/Saltfile', async () => {
    const files = {
      'flag/Saltfile': 'salt-ssh: {ssh_max_procs: 1}\n',
      'env/Saltfile': 'salt-ssh: {ssh_max_procs: 2}\n',
      'cwd/Saltfile': 'salt-ssh: {ssh_max_procs: 3}\n',
      'home/.salt/Saltfile': 'salt-ssh: {ssh_max_procs: 4}\n',
    };
    const t = await tree(files);
    const env = { SALT_SALTFILE: join(t.dir, 'env/Saltfile') };
    const procs = async (input: Partial<ConfigInput>) => (await loadConfig({ ...t.input, ...input })).opts['ssh_max_procs'];
    expect(await procs({ saltfile: join(t.dir, 'flag'), env })).toBe(1);
    expect(await procs({ env })).toBe(2);
    expect(await procs({})).toBe(3);
    expect(await procs({ cwd: join(t.dir, 'flag', '..') })).toBe(4);
    expect((await loadConfig(t.input)).saltfile).toBe(join(t.cwd, 'Saltfile'));
  });

  it('maps flag spellings to dests and overrides the master file', async () => {
    const t = await tree({
      'cwd/Saltfile': 'salt-ssh:\n  roster-file: my.roster\n  max-procs: 12\n  user: deploy\n  ssh_wipe: yes\n',
      'etc/master': 'ssh_max_procs: 3\nssh_user: root\n',
    });
    const cfg = await loadConfig(t.input);
    expect(cfg.saltfileValues).toEqual({ roster_file: 'my.roster', ssh_max_procs: 12, ssh_user: 'deploy', ssh_wipe: true });
    expect(cfg.opts).toMatchObject({ ssh_max_procs: 12, ssh_user: 'deploy' });
    expect(cfg.rosterFile).toBe(join(t.cwd, 'my.roster'));
  });

  it('reports a missing explicit Saltfile and bad Saltfile content', async () => {
    const t = await tree({ 'cwd/Saltfile': 'salt-ssh: [a]\n' });
    const missing = join(t.dir, 'nope');
    await expect(loadConfig({ ...t.input, saltfile: missing })).rejects.toThrow(UsageError);
    await expect(loadConfig({ ...t.input, saltfile: missing })).rejects.toThrow(`--saltfile: ${missing} does not exist`);
    expect((await configError(t.input)).message).toBe(
      `${join(t.cwd, 'Saltfile')}: key 'salt-ssh' must be a mapping (got a list)`,
    );
    const typed = await tree({ 'cwd/Saltfile': 'salt-ssh: {max-procs: many}\n' });
    expect((await configError(typed.input)).message).toBe(
      `${join(typed.cwd, 'Saltfile')}: key 'ssh_max_procs' must be a positive integer (got 'many')`,
    );
  });

  it('chooses the config dir: -c > Saltfile config_dir > SALT_CONFIG_DIR > /etc/salt', async () => {
    const t = await tree({ 'cwd/Saltfile': 'salt-ssh: {config_dir: ../sfconf}\n', 'sfconf/master': 'ssh_max_procs: 8\n' });
    expect((await loadConfig(t.input)).configDir).toBe(t.etc);
    const noFlag = { ...t.input, env: { SALT_CONFIG_DIR: t.etc } };
    delete noFlag.configDir;
    const fromSaltfile = await loadConfig(noFlag);
    expect(fromSaltfile.configDir).toBe(join(t.dir, 'sfconf'));
    expect(fromSaltfile.opts['ssh_max_procs']).toBe(8);
    expect((await loadConfig({ ...noFlag, cwd: t.home })).configDir).toBe(t.etc);
    const bare = { ...noFlag, cwd: t.home, env: {} };
    expect((await loadConfig(bare)).configDir).toBe('/etc/salt');
  });
});

describe('loadConfig: roster file lookup', () => {
  it('follows flag > Saltfile > config > <config_dir>/roster > ./roster.yaml > /etc/salt/roster', async () => {
    const t = await tree({
      'cwd/Saltfile': 'salt-ssh: {roster_file: sf.roster}\n',
      'etc/master': `roster_file: ${'/srv/cfg.roster'}\n`,
      'etc/roster': 'a: b\n',
      'cwd/roster.yaml': 'a: b\n',
    });
    const pick = async (input: Partial<ConfigInput>) => (await loadConfig({ ...t.input, ...input })).rosterFile;
    expect(await pick({ rosterFile: 'flag.roster' })).toBe(join(t.cwd, 'flag.roster'));
    expect(await pick({})).toBe(join(t.cwd, 'sf.roster'));
    await writeFile(join(t.cwd, 'Saltfile'), '');
    expect(await pick({})).toBe('/srv/cfg.roster');
    await writeFile(join(t.etc, 'master'), '');
    expect(await pick({})).toBe(join(t.etc, 'roster'));
    await rm(join(t.etc, 'roster'));
    expect(await pick({})).toBe(join(t.cwd, 'roster.yaml'));
    await rm(join(t.cwd, 'roster.yaml'));
    expect(await pick({})).toBe(join(t.dir, 'system-roster'));
    const real = { ...t.input };
    delete real.systemRosterFile;
    expect((await loadConfig(real)).rosterFile).toBe('/etc/salt/roster');
  });
});

describe('loadConfig: cachedir', () => {
  it('prefers config cachedir, then the system dir for root when creatable, then XDG or ~/.cache', async () => {
    const t = await tree({ 'blocker': 'a regular file' });
    expect((await loadConfig({ ...t.input, isRoot: true, env: {} })).cachedir).toBe(t.input.systemCacheDir);
    expect((await loadConfig({ ...t.input, isRoot: false, env: {} })).cachedir).toBe(join(t.home, '.cache', 'brine'));
    const xdg = { XDG_CACHE_HOME: join(t.dir, 'xdg') };
    expect((await loadConfig({ ...t.input, isRoot: false, env: xdg })).cachedir).toBe(join(t.dir, 'xdg', 'brine'));
    const uncreatable = join(t.dir, 'blocker', 'salt', 'master');
    expect((await loadConfig({ ...t.input, isRoot: true, systemCacheDir: uncreatable, env: xdg })).cachedir).toBe(
      join(t.dir, 'xdg', 'brine'),
    );
    await writeFile(join(t.etc, 'master'), 'cachedir: ~/jobs\n');
    expect((await loadConfig({ ...t.input, isRoot: true })).cachedir).toBe(join(t.home, 'jobs'));
  });
});
