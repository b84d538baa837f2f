/**
 * One host printing 600 MB (past V8's longest string) through the real CLI: brine keeps the first
 * `ssh_max_output_bytes` (plus the end), marks the cut, and every other host's return is intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';

const HUGE = 600 * 1024 * 1024;
let scratch: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'brine-huge-'));
});
afterAll(() => {
  for (const cfg of configs) cfg.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function config(opts: Record<string, unknown> = {}) {
  const cfg = makeConfigDir(opts);
  configs.push(cfg);
  return cfg;
}

/** `n` local hosts; the command picks one of them (an atomic mkdir) to print `bytes`, the others print their line. */
function setUp(name: string, n: number, bytes: number) {
  const roster = join(scratch, `${name}-roster.yaml`);
  writeFileSync(roster, Array.from({ length: n }, (_, i) => `host${i}:\n  connection: local\n`).join(''));
  const command = `if mkdir ${join(scratch, `${name}-won`)} 2>/dev/null; then yes huge-output | head -c ${bytes}; else echo intact; fi`;
  return { roster, command };
}

describe('a host with huge output', () => {
  it('is cut at ssh_max_output_bytes with a marker; the run, the cache and the other hosts are fine', async () => {
    const cfg = config({ ssh_max_output_bytes: 65_000 });
    const { roster, command } = setUp('cap', 4, HUGE);
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '*', 'cmd.run', command, '--out', 'json', '--static', '-v'], {
      timeoutMs: 120_000,
    });
    // with --out json, -v's banner is all of stderr and stdout is one JSON document (issue 11)
    expect(res.stderr).toMatch(/^Executing job with jid \d{20}\n-{43}\n\n\n$/);
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stderr);
    const returns = JSON.parse(res.stdout) as Record<string, string>;
    const values = Object.values(returns);
    expect(values.filter((v) => v === 'intact')).toHaveLength(3);
    const huge = values.find((v) => v !== 'intact') ?? '';
    // 'huge-output\n' is 12 bytes: the cut falls inside a line, so the marker gets its own line.
    const marker = `\n[brine: output truncated: ${HUGE - 65_000} bytes dropped]\n`;
    expect(huge).toContain(marker);
    expect(huge.startsWith('huge-output\nhuge-output\n')).toBe(true);
    expect(huge.endsWith('huge-output')).toBe(true); // the end of the output is kept too
    expect(huge.length).toBe(65_000 + marker.length - 1); // cmd.run strips the final newline

    const cached = await runCli('salt-run', ['-c', cfg.dir, 'jobs.lookup_jid', jid, '--out', 'json']);
    expect(cached.code).toBe(0);
    expect(Object.values(JSON.parse(cached.stdout) as Record<string, string>).sort()).toEqual([...values].sort());
  });

  it('keeps 1 MiB per stream by default', async () => {
    const { roster, command } = setUp('default', 2, 3 * 1024 * 1024);
    const res = await runCli('salt-ssh', ['-c', config().dir, '--roster-file', roster, '*', 'cmd.run', command, '--out', 'json', '--static']);
    expect(res.code).toBe(0);
    const huge = Object.values(JSON.parse(res.stdout) as Record<string, string>).find((v) => v !== 'intact') ?? '';
    expect(huge).toContain(`\n[brine: output truncated: ${3 * 1024 * 1024 - 1024 * 1024} bytes dropped]\n`);
  });

  it('refuses a bad ssh_max_output_bytes naming the key', async () => {
    const { roster } = setUp('bad', 1, 1);
    const res = await runCli('salt-ssh', ['-c', config({ ssh_max_output_bytes: 'lots' }).dir, '--roster-file', roster, '*', 'test.ping']);
    expect(res.code).toBe(78);
    expect(res.stderr).toContain("key 'ssh_max_output_bytes' must be a positive integer (got 'lots')");
  });
});
