/**
 * Drift benchmark: a 100,000-job cache (bench/jobcache.ts) plus two 5,000-host runs of one audit, then
 * as whole processes (CLI start included): `salt-run jobs.diff` of the two, and a 5,000-host
 * `salt-ssh '*' test.ping` with and without `--changes`, whose difference is what `--changes` costs
 * (finding the predecessor in the 100k-job cache, reading and comparing its 5,000 returns). The hosts
 * point at a closed port on 127.0.0.1: each is a real connect attempt and a committed return, with no
 * remote process whose CPU would drown the figure. The target is 0.5 s for jobs.diff and for the
 * `--changes` cost.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { HostReturn } from '../src/core/job.js';
import { localCacheFile, openLocalCache, type JobImport } from '../src/jobcache/local-cache.js';
import { generateJid } from '../src/salt/jid.js';
import { fillCache } from './jobcache.js';
import { measureProcess, median, round } from './measure.js';
import { closedPort } from '../test/helpers/hang-server.js';
import { SALT_RUN, SALT_SSH } from './paths.js';
import { table } from './report.js';

export const DRIFT_TARGET_SEC = 0.5;

export interface DriftTiming {
  name: string;
  wallSec: number;
  cpuSec: number;
  maxRssMiB: number;
  runs: number[];
  exitCode: number;
  /** Hosts in the answer (jobs.diff: changed ones; salt-ssh: hosts printed). */
  items: number;
}

export interface DriftResult {
  jobs: number;
  hosts: number;
  fillSec: number;
  diff: DriftTiming;
  withChanges: DriftTiming;
  withoutChanges: DriftTiming;
  /** withChanges − withoutChanges, medians. */
  changesCostSec: number;
}

const MINUTE = 60_000;

/** Two runs of `test.ping` on `*`: all True, except three hosts that differ between them. */
function auditJobs(hosts: number, now: number): JobImport[] {
  const minions = Array.from({ length: hosts }, (_, i) => `host${String(i + 1).padStart(5, '0')}`);
  return [2, 1].map((minutesAgo, run) => {
    const startedAt = now - minutesAgo * MINUTE;
    const jid = generateJid(new Date(startedAt), 999);
    const returns = minions.map((id, i): HostReturn => {
      const odd = run === 1 && i < 3;
      return { id, jid, fun: 'test.ping', fun_args: [], return: !odd, retcode: odd ? 1 : 0, success: !odd, _stamp: '2026-11-28T17:18:06.000000' };
    });
    const load = { jid, fun: 'test.ping', arg: [], tgt: '*', tgt_type: 'glob', user: 'root' };
    return { job: { load, minions, startedAt, endedAt: startedAt + 5_000, pid: 1 }, returns };
  });
}

async function time(name: string, cmd: string, args: string[], repeat: number, count: (stdout: string) => number): Promise<DriftTiming> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  let items = 0;
  let exitCode = 0;
  for (let i = 0; i < repeat; i++) {
    const m = await measureProcess(process.execPath, [cmd, ...args], { captureStdout: i === 0, timeoutMs: 600_000 });
    if (i === 0) {
      items = count(m.stdout);
      exitCode = m.exitCode;
    }
    if (m.exitCode !== exitCode) throw new Error(`${name}: exit ${m.exitCode}, first run exited ${exitCode}: ${m.stderr.trim().split('\n').pop() ?? ''}`);
    walls.push(m.wallSec);
    cpus.push(m.cpuSec);
    rss = Math.max(rss, m.maxRssMiB);
  }
  return { name, wallSec: median(walls), cpuSec: median(cpus), maxRssMiB: rss, runs: walls, exitCode, items };
}

function keys(stdout: string, pick: (data: Record<string, unknown>) => unknown = (d) => d): number {
  try {
    return Object.keys(pick(JSON.parse(stdout) as Record<string, unknown>) as object).length;
  } catch {
    return -1;
  }
}

export async function benchDrift(options: { jobs: number; hosts: number; repeat: number }): Promise<DriftResult> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-drift-'));
  try {
    const cachedir = join(dir, 'cache');
    mkdirSync(cachedir);
    const port = await closedPort();
    const roster = Object.fromEntries(Array.from({ length: options.hosts }, (_, i) => [`host${String(i + 1).padStart(5, '0')}`, { host: '127.0.0.1', port }]));
    writeFileSync(join(dir, 'roster'), stringify(roster));
    // keep_jobs_seconds 0: retention would otherwise spend each run deleting the filler jobs
    writeFileSync(join(dir, 'master'), stringify({ cachedir, keep_jobs_seconds: 0, ssh_max_procs: 200 }, { version: '1.1' }));
    const file = localCacheFile({ cachedir });
    const now = Date.now();
    const started = performance.now();
    await fillCache(file, { jobs: options.jobs, hostsPerJob: 10, now: now - 10 * MINUTE });
    const audit = auditJobs(options.hosts, now);
    const cache = openLocalCache(file);
    try {
      cache.importJobs(audit);
    } finally {
      await cache.close();
    }
    const fillSec = round((performance.now() - started) / 1000, 1);
    const newer = audit[1]?.job.load.jid ?? '';
    const diff = await time('salt-run jobs.diff', SALT_RUN, ['-c', dir, 'jobs.diff', newer, '--out', 'json'], options.repeat, (out) =>
      keys(out, (d) => d['newly_failing']),
    );
    const ssh = ['-c', dir, '*', 'test.ping', '--static', '--out', 'json'];
    // the first run is every later run's predecessor shape; then they alternate, each --changes run comparing 5,000 returns
    await time('warm-up', SALT_SSH, ssh, 1, keys);
    const withChanges: DriftTiming[] = [];
    const withoutChanges: DriftTiming[] = [];
    for (let i = 0; i < options.repeat; i++) {
      withChanges.push(await time('salt-ssh --changes', SALT_SSH, [...ssh, '--changes'], 1, keys));
      withoutChanges.push(await time('salt-ssh', SALT_SSH, ssh, 1, keys));
    }
    const merge = (name: string, runs: DriftTiming[]): DriftTiming => ({
      name,
      wallSec: median(runs.map((r) => r.wallSec)),
      cpuSec: median(runs.map((r) => r.cpuSec)),
      maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB)),
      runs: runs.map((r) => r.wallSec),
      exitCode: runs[0]?.exitCode ?? -1,
      items: runs[0]?.items ?? -1,
    });
    const withC = merge(`salt-ssh test.ping × ${options.hosts} --changes`, withChanges);
    const without = merge(`salt-ssh test.ping × ${options.hosts}`, withoutChanges);
    return { jobs: options.jobs, hosts: options.hosts, fillSec, diff, withChanges: withC, withoutChanges: without, changesCostSec: round(withC.wallSec - without.wallSec, 3) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function driftTable(r: DriftResult): string {
  const verdict = (sec: number) => (sec <= DRIFT_TARGET_SEC ? `meets ≤ ${DRIFT_TARGET_SEC}` : `misses ≤ ${DRIFT_TARGET_SEC}`);
  const rows = [r.diff, r.withoutChanges, r.withChanges].map((t) => [t.name, t.items, t.exitCode, t.wallSec, t.cpuSec, t.maxRssMiB, t.runs.join(' ')]);
  const head = `${r.jobs} jobs × 10 hosts + two ${r.hosts}-host runs of the audit, filled in ${r.fillSec} s`;
  const body = table(['whole process', 'hosts shown', 'exit', 'median wall s', 'cpu s', 'peak RSS MiB', 'runs (wall s)'], rows);
  return `${head}\n${body}\njobs.diff: ${r.diff.wallSec} s (${verdict(r.diff.wallSec)}); --changes costs ${r.changesCostSec} s over the same run (${verdict(r.changesCostSec)})`;
}
