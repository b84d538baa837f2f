/**
 * Input that looks like JavaScript's own names or is built to hurt: host ids `__proto__`,
 * `constructor` and `toString`, a `__proto__=` kwarg, timers past 2^31 ms, ids that YAML merges,
 * numeric secrets, a 131 KB argument and a catastrophic -E pattern. All through the spawned CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';

let cfg: ReturnType<typeof makeConfigDir>;
let scratch: string;
let roster: string;

// No agent: the `__proto__` host has no way to log in, so it fails without any network.
const ENV = { SSH_AUTH_SOCK: '' };
const ssh = (args: string[], rosterFile = roster, configDir = cfg.dir) =>
  runCli('salt-ssh', ['-c', configDir, '--roster-file', rosterFile, ...args], { env: ENV });
const run = (args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args], { env: ENV });

function writeRoster(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  cfg = makeConfigDir();
  scratch = mkdtempSync(join(tmpdir(), 'brine-hostile-'));
  roster = writeRoster(
    'proto-roster.yaml',
    '__proto__:\n  host: 127.0.0.1\n  port: 1\nconstructor:\n  connection: local\ntoString:\n  connection: local\n',
  );
});

afterAll(() => {
  cfg?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('host ids and kwargs named like JavaScript internals', () => {
  it('runs, caches and reads back __proto__, constructor and toString hosts, with __proto__ failed', async () => {
    const res = await ssh(['*', 'test.ping', '-v', '--out', 'json', '--static']);
    expect(res.code).toBe(69); // __proto__ is only unreachable (issue 11)
    const jid = bannerJid(res.stderr); // --out json: the banner is on stderr (issue 11)
    const live = JSON.parse(res.stdout.slice(res.stdout.indexOf('{'))) as Record<string, unknown>;
    expect(Object.keys(live).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(live['constructor']).toBe(true);
    expect(Object.getOwnPropertyDescriptor(live, '__proto__')?.value).toMatchObject({ retcode: 255 });

    const looked = await run(['jobs.lookup_jid', jid, '--out', 'json']);
    expect(looked.code).toBe(0);
    const lookedData = JSON.parse(looked.stdout) as Record<string, unknown>;
    expect(Object.keys(lookedData).sort()).toEqual(['__proto__', 'constructor', 'toString']);

    const nested = await run(['jobs.lookup_jid', jid]);
    expect(nested.stdout).toMatch(/^__proto__:\n {4}-{10}\n/m);
    expect(nested.stdout).toMatch(/^constructor:\n {4}True$/m);
    expect(nested.stdout).toMatch(/^toString:\n {4}True$/m);

    const listed = await run(['jobs.list_job', jid, '--out', 'json']);
    const result = (JSON.parse(listed.stdout) as { Result: Record<string, { success: boolean }> }).Result;
    expect(Object.keys(result).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toMatchObject({ success: false, retcode: 255 });

    const exit = await run(['jobs.exit_success', jid, '--out', 'json']);
    expect(exit.code).toBe(20);
    expect(JSON.parse(exit.stdout)).toEqual(JSON.parse('{"__proto__": false, "constructor": true, "toString": true}'));
  });

  it('passes a __proto__= kwarg to the function as data', async () => {
    const res = await ssh(['-L', 'constructor', 'test.arg', '__proto__=1', 'constructor=2', '--out', 'json']);
    expect(res.code).toBe(0);
    const kwargs = (JSON.parse(res.stdout) as { constructor: { kwargs: Record<string, unknown> } }).constructor.kwargs;
    expect(Object.getOwnPropertyDescriptor(kwargs, '__proto__')?.value).toBe(1);
    expect(Object.getOwnPropertyDescriptor(kwargs, 'constructor')?.value).toBe(2);
  });

  it('refuses a __proto__= kwarg to a runner as an unknown argument', async () => {
    const res = await run(['jobs.list_jobs', '__proto__=1']);
    expect(res.code).toBe(64);
    expect(res.stderr).toMatch(/^salt-run: error: jobs\.list_jobs: unexpected argument '__proto__'/);
  });
});

describe('timeouts past what a Node timer holds (2^31 ms)', () => {
  it('refuses --timeout 3000000 with a usage error naming the flag', async () => {
    const res = await ssh(['*', 'test.ping', '--timeout', '3000000']);
    expect(res.code).toBe(64);
    expect(res.stderr).toBe('salt-ssh: error: --timeout: at most 2073600 seconds (24 days), got 3000000\n');
  });

  it("refuses cmd.run timeout=3000000 with a usage error naming the function", async () => {
    const res = await ssh(['-L', 'toString', 'cmd.run', 'true', 'timeout=3000000']);
    expect(res.code).toBe(64);
    expect(res.stderr).toMatch(/^salt-ssh: error: cmd\.run: timeout must be a positive number of seconds up to 2073600 \(24 days\), got '3000000'\n$/);
  });

  it('refuses a roster timeout and a master ssh_timeout above the maximum with config errors', async () => {
    const big = writeRoster('big-timeout.yaml', 'web1:\n  connection: local\n  timeout: 3000000\n');
    const fromRoster = await ssh(['*', 'test.ping'], big);
    expect(fromRoster.code).toBe(78);
    expect(fromRoster.stderr).toBe(
      `salt-ssh: error: ${big}: host 'web1': key 'timeout' must be a positive number of seconds up to 2073600 (24 days) (got 3000000)\n`,
    );
    const master = makeConfigDir({ ssh_timeout: 3000000 });
    try {
      const fromMaster = await ssh(['*', 'test.ping'], roster, master.dir);
      expect(fromMaster.code).toBe(78);
      expect(fromMaster.stderr).toMatch(/master: key 'ssh_timeout' must be a positive number of seconds up to 2073600/);
    } finally {
      master.cleanup();
    }
  });
});

describe('config mistakes that were silent or said too much', () => {
  it('refuses roster ids 1 and "1", which YAML would merge into one host', async () => {
    const dup = writeRoster('dup.yaml', '1:\n  connection: local\n"1":\n  connection: local\n');
    const res = await ssh(['*', 'test.ping'], dup);
    expect(res.code).toBe(78);
    expect(res.stderr).toBe(`salt-ssh: error: ${dup}:3:1: YAML error: duplicate key '1'\n`);
  });

  it('never echoes a numeric password', async () => {
    const secret = writeRoster('secret.yaml', 'web1:\n  host: 127.0.0.1\n  passwd: 98765432\n');
    const res = await ssh(['*', 'test.ping'], secret);
    expect(res.code).toBe(78);
    expect(res.stderr).toBe(`salt-ssh: error: ${secret}: host 'web1': key 'passwd' must be a string (quote it) (got a number)\n`);
    expect(res.stderr).not.toContain('98765432');
  });

  it('refuses ssh_known_hosts_file: 5 instead of falling back to ~/.ssh/known_hosts', async () => {
    const master = makeConfigDir({ ssh_known_hosts_file: 5 });
    try {
      const res = await ssh(['*', 'test.ping'], roster, master.dir);
      expect(res.code).toBe(78);
      expect(res.stderr).toBe(`salt-ssh: error: ${join(master.dir, 'master')}: key 'ssh_known_hosts_file' must be a string (got 5)\n`);
    } finally {
      master.cleanup();
    }
  });

  it('cuts a 131 KB bad argument in the error to 200 characters', async () => {
    const huge = 'x'.repeat(131_000);
    for (const args of [['-L', 'toString', 'cmd.run', 'ls', `cwd=${huge}`], ['-L', 'toString', huge], ['*', 'test.ping', '--out', huge]]) {
      const res = await ssh(args);
      expect(res.code).toBe(64);
      expect(res.stderr.length).toBeLessThan(400);
      expect(res.stderr).toMatch(/x{199}…/);
      expect(res.stderr).not.toContain('x'.repeat(201));
    }
    const looked = await run(['jobs.lookup_jid', huge]);
    expect(looked.code).toBe(64);
    expect(looked.stderr.length).toBeLessThan(400);
  });
});

describe('a catastrophic -E pattern', () => {
  it('stops (a+)+$ on a long id within the time limit with a usage error', async () => {
    const long = writeRoster('long-id.yaml', `${'a'.repeat(64)}!:\n  connection: local\nweb1:\n  connection: local\n`);
    const started = Date.now();
    // Before the limit the process spun forever: the harness kills it after 20 s and the test fails.
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', long, '-E', '(a+)+$', 'test.ping'], { timeoutMs: 20_000 });
    expect(res.code).toBe(64);
    expect(res.stderr).toMatch(/^salt-ssh: error: -E\/--pcre: regular expression '\(a\+\)\+\$' took longer than 1000 ms over 2 roster ids/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
