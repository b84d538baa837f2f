/**
 * `BENCH_SECTIONS=startup`: start-up of the single executable (dist/bin/salt-ssh, built when missing)
 * against `node bin/salt-ssh.js` on the same Node: `--help` and a one-host `connection: local` test.ping,
 * 2 warm-ups then BENCH_STARTUP_ROUNDS rounds alternating the two, median wall and CPU per start.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureProcess, median, round } from './measure.js';
import { REPO_ROOT, SALT_SSH } from './paths.js';
import { table } from './report.js';

const BINARY = join(REPO_ROOT, 'dist', 'bin', 'salt-ssh');
const WARM_UPS = 2;

export interface StartupRow {
  case: string;
  way: string;
  wallMs: number;
  cpuMs: number;
}

export interface StartupResult {
  rounds: number;
  binaryBytes: number;
  rows: StartupRow[];
}

export async function benchStartup(rounds: number, log: (line: string) => void): Promise<StartupResult> {
  if (!existsSync(BINARY)) {
    log('startup: building dist/bin/salt-ssh (npm run build:binary)');
    execFileSync('npm', ['run', 'build:binary'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-startup-'));
  try {
    writeFileSync(join(dir, 'master'), `cachedir: ${join(dir, 'cache')}\n`);
    writeFileSync(join(dir, 'roster'), 'local1:\n  connection: local\n');
    const cases: Record<string, string[]> = {
      '--help': ['--help'],
      'test.ping, 1 host': ['-c', dir, '--roster-file', join(dir, 'roster'), '*', 'test.ping'],
    };
    const ways: Record<string, [string, string[]]> = {
      binary: [BINARY, []],
      [`node bin/salt-ssh.js (node ${process.versions.node})`]: [process.execPath, [SALT_SSH]],
    };
    const rows: StartupRow[] = [];
    for (const [name, args] of Object.entries(cases)) {
      const samples = new Map<string, Array<{ wall: number; cpu: number }>>();
      for (let round_ = 0; round_ < WARM_UPS + rounds; round_ += 1) {
        const order = round_ % 2 === 0 ? Object.entries(ways) : Object.entries(ways).reverse();
        for (const [way, [cmd, prefix]] of order) {
          const m = await measureProcess(cmd, [...prefix, ...args], { timeoutMs: 60_000, env: { ...process.env, NO_COLOR: '1' } });
          if (m.exitCode !== 0) throw new Error(`startup: ${way} ${args.join(' ')} exited ${m.exitCode}: ${m.stderr.slice(-500)}`);
          if (round_ >= WARM_UPS) samples.set(way, [...(samples.get(way) ?? []), { wall: m.wallSec, cpu: m.cpuSec }]);
        }
      }
      for (const [way, list] of samples) {
        rows.push({ case: name, way, wallMs: round(median(list.map((s) => s.wall)) * 1000, 0), cpuMs: round(median(list.map((s) => s.cpu)) * 1000, 0) });
      }
    }
    return { rounds, binaryBytes: statSync(BINARY).size, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function startupTable(result: StartupResult): string {
  const rows = result.rows.map((r) => [r.case, r.way, r.wallMs, r.cpuMs]);
  const size = `binary: ${round(result.binaryBytes / 2 ** 20, 1)} MiB; medians of ${result.rounds} alternating rounds`;
  return `${table(['case', 'way', 'median wall ms', 'median cpu ms'], rows)}\n${size}`;
}
