/** Plain-text tables for the bench's stdout. */
import type { RunResult } from './fanout.js';
import type { JobCacheResult } from './jobcache.js';
import type { ForwardingResult } from './returners.js';

export interface Ratio {
  workload: string;
  hosts: number;
  /** brine wall / pssh wall; target at 500 hosts ≤ 0.5. */
  wall: number;
  /** brine CPU / pssh CPU; target at 500 hosts ≤ 0.05. */
  cpu: number;
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function runsTable(runs: readonly RunResult[]): string {
  return table(
    ['tool', 'workload', 'hosts', 'fan-out', 'ok', 'wall s', 'cpu s', 'cpu ms/host', 'peak RSS MiB'],
    runs.map((r) => [r.tool, r.workload, r.hosts, r.fanout, `${r.ok}/${r.hosts}`, r.wallSec, r.cpuSec, r.cpuMsPerHost, r.maxRssMiB]),
  );
}

export function ratiosTable(ratios: readonly Ratio[]): string {
  const verdict = (r: Ratio, value: number, target: number) => (r.hosts === 500 ? `${value} (${value <= target ? 'meets' : 'misses'} ≤ ${target})` : String(value));
  return table(
    ['workload', 'hosts', 'wall brine/pssh', 'cpu brine/pssh', 'pssh cpu / brine cpu'],
    ratios.map((r) => [r.workload, r.hosts, verdict(r, r.wall, 0.5), verdict(r, r.cpu, 0.05), `${(1 / r.cpu).toFixed(1)}×`]),
  );
}

export function jobCacheTable(result: JobCacheResult): string {
  const head = `${result.jobs} jobs × ${result.hostsPerJob} hosts, filled in ${result.fillSec} s, ${result.sizeMiB} MiB on disk`;
  const rows = result.queries.map((q) => [q.name, q.items, q.wallSec, q.wallSec <= 0.3 ? 'meets ≤ 0.3' : 'misses ≤ 0.3', q.cpuSec, q.maxRssMiB, q.runs.join(' ')]);
  return `${head}\n${table(['salt-run', 'items', 'median wall s', 'target', 'cpu s', 'peak RSS MiB', 'runs (wall s)'], rows)}`;
}

export function forwardingTable(r: ForwardingResult): string {
  return table(
    ['returns', 'hosts × jobs', 'seconds', 'returns/s', 'connections (brine)', 'server delta', 'pending'],
    [[r.returns, `${r.hosts} × ${r.jobs}`, r.seconds, r.returnsPerSecond, r.connectionsOpened, r.serverConnectionsDelta, r.pending]],
  );
}
