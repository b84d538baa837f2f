/**
 * One run over the fleet where one host (whichever wins an atomic mkdir) writes `bytes` of output and
 * the others one line: peak RSS stays bounded by ssh_max_output_bytes, and every other return is intact.
 * Alone: BENCH_SECTIONS=huge npm run bench (BENCH_HUGE_HOSTS, BENCH_HUGE_BYTES).
 */
import { randomBytes } from 'node:crypto';
import type { Fleet } from './fleet.js';
import { measureProcess } from './measure.js';
import { SALT_SSH } from './paths.js';

export interface HugeOutputResult {
  hosts: number;
  bytes: number;
  exitCode: number;
  wallSec: number;
  cpuSec: number;
  maxRssMiB: number;
  /** Hosts whose return is exactly their one line. */
  intact: number;
  /** Whether the big host's return carries the truncation marker. */
  isMarked: boolean;
}

export async function benchHugeOutput(fleet: Fleet, hosts: number, bytes: number): Promise<HugeOutputResult> {
  const won = `$HOME/brine-bench-huge-${randomBytes(4).toString('hex')}`;
  const command = `if mkdir "${won}" 2>/dev/null; then head -c ${bytes} /dev/zero | tr '\\0' x; else echo intact; fi`;
  const args = [SALT_SSH, '-c', fleet.configDir, '--roster-file', fleet.roster(hosts), '*', 'cmd.run', command, '--out', 'json', '--static'];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
  delete env['SSH_AUTH_SOCK'];
  const m = await measureProcess(process.execPath, args, { env, captureStdout: true, timeoutMs: 600_000 });
  let returns: string[] = [];
  try {
    returns = Object.values(JSON.parse(m.stdout) as Record<string, unknown>).map(String);
  } catch {
    // counted as nothing intact below
  }
  return {
    hosts,
    bytes,
    exitCode: m.exitCode,
    wallSec: m.wallSec,
    cpuSec: m.cpuSec,
    maxRssMiB: m.maxRssMiB,
    intact: returns.filter((r) => r === 'intact').length,
    isMarked: returns.some((r) => /\n\[brine: output truncated: \d+ bytes dropped\]\n/.test(r)),
  };
}

export function hugeOutputLine(r: HugeOutputResult): string {
  const verdict = r.exitCode === 0 && r.isMarked && r.intact === r.hosts - 1 ? 'ok' : 'FAILED';
  return (
    `${r.hosts} hosts, one writing ${r.bytes} bytes: exit ${r.exitCode}, ${r.intact}/${r.hosts - 1} other returns intact, ` +
    `cut ${r.isMarked ? 'marked' : 'NOT marked'}; wall ${r.wallSec} s, cpu ${r.cpuSec} s, peak RSS ${r.maxRssMiB} MiB (${verdict})`
  );
}
