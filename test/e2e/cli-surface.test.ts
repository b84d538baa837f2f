import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listOutputters } from '../../src/output/registry.js';
import { makeConfigDir, ROOT, runCli } from '../helpers/cli.js';

const cfg = makeConfigDir();
afterAll(() => cfg.cleanup());

describe('the flag surface both commands share', () => {
  it.each(['salt-ssh', 'salt-run'] as const)('%s --help lists every registered outputter for --out', async (bin) => {
    const res = await runCli(bin, ['--help']);
    expect(res.code).toBe(0);
    const help = res.stdout.replace(/\s+/g, ' ');
    // Only --out's help says "Outputter:"; oclif may underline `<value>`, so the flag name is not matched.
    const out = /Outputter: ([^.]*)\./.exec(help)?.[1] ?? '';
    for (const name of listOutputters()) expect(out, name).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each(['salt-ssh', 'salt-run'] as const)('%s --version prints one line: brine\'s version, Node\'s and the build commit', async (bin) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const res = await runCli(bin, ['--version']);
    expect(res.stderr).toBe('');
    // oclif's own --version would print `brine/0.1.0 linux-x64 node-v24…`
    const line = new RegExp(`^${bin} ${version.replaceAll('.', '\\.')} \\(brine; node ${process.versions.node}; commit (?:[0-9a-f]{7,}(?:-dirty)?|unknown)\\)\n$`);
    expect(res.stdout).toMatch(line);
    expect(res.code).toBe(0);
  });

  it('--delimiter with a target that is not -G runs and says once that it has no effect; with -G no such note', async () => {
    const roster = join(cfg.dir, 'roster-local.yaml');
    writeFileSync(roster, 'h1:\n  connection: local\n');
    const glob = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '--delimiter', '/', '*', 'test.ping', '--out', 'json']);
    expect(glob.stderr).toBe('[NOTE    ] --delimiter has no effect: it splits nested grain keys for -G, and this target is glob\n');
    expect(JSON.parse(glob.stdout)).toEqual({ h1: true });
    expect(glob.code).toBe(0);
    const grain = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '--delimiter', '/', '-G', 'os/family:Debian', 'test.ping']);
    expect(grain.stderr).not.toContain('--delimiter');
    expect(grain.stderr).toMatch(/no roster host has cached grains/);
  });

  it('salt-ssh picks the target type with the tested targetTypeFromFlags: two types are one usage error', async () => {
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '-E', '-L', 'web1', 'test.ping']);
    expect(res.code).toBe(64);
    expect(res.stderr).toBe('salt-ssh: error: only one target type may be given (got -E/--pcre, -L/--list)\n');
  });
});
