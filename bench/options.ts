/** The bench's knobs, from the environment, so a quick run is one line: BENCH_SIZES=10,100 BENCH_BIG=0 npm run bench */
import type { AdaptiveOptions } from './adaptive.js';

export const SECTIONS = ['fanout', 'sweep', 'big', 'huge', 'jobcache', 'returners', 'live', 'drift', 'adaptive', 'notify', 'smtp', 'startup'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  sections: ReadonlySet<Section>;
  /** Sizes for the brine/pssh side-by-side table. */
  sizes: number[];
  /** --max-procs values tried at `sweepHosts`. */
  sweep: number[];
  sweepHosts: number;
  /** The one-run size for peak RSS; 0 skips it. */
  bigHosts: number;
  /** The huge-output run: hosts, and the bytes one of them writes; 0 skips it. */
  hugeHosts: number;
  hugeBytes: number;
  withPssh: boolean;
  jobs: number;
  hostsPerJob: number;
  /** Whole-process runs per salt-run query (the median is reported). */
  repeat: number;
  returns: number;
  /** The live run with and without `--return mysql`: hosts (0 skips it), and how they are reached. */
  liveHosts: number;
  /** Hosts of the audit `jobs.diff` and `--changes` compare in the BENCH_JOBS cache (bench/drift.ts); 0 skips it. */
  driftHosts: number;
  /** Both by default: the local transport is the figure the target is judged on; fake shows brine's bare per-return cost. */
  liveTransports: Array<'fake' | 'local'>;
  /** The adaptive fan-out's labs (bench/adaptive.ts): BENCH_LAB_HOSTS, BENCH_LAB_REPEAT, BENCH_LAB_RTT (ms), BENCH_LAB_GROUPS, BENCH_LABS, BENCH_LAB_WORKLOADS, BENCH_LAB_FANOUTS. */
  adaptive: AdaptiveOptions;
  /** Returns sent to the local Slack-webhook receiver (bench/notify-http.ts); 0 skips it. */
  notifyReturns: number;
  /** Returns mailed to the in-process SMTP server (bench/notify-smtp.ts); 0 skips it. */
  smtpReturns: number;
  /** Alternating rounds of the start-up comparison (bench/startup.ts); 0 skips it. */
  startupRounds: number;
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`${name}: expected comma-separated whole numbers, got '${raw}'`);
  return values.filter((v) => v > 0);
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return list(env, name, [fallback])[0] ?? 0;
}

function pick<T extends string>(env: NodeJS.ProcessEnv, name: string, valid: readonly T[]): T[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...valid];
  const picked = raw.split(',').map((s) => s.trim());
  for (const value of picked) if (!(valid as readonly string[]).includes(value)) throw new Error(`${name}: expected some of ${valid.join(', ')}, got '${value}'`);
  return picked as T[];
}

function liveTransports(env: NodeJS.ProcessEnv): Array<'fake' | 'local'> {
  const raw = (env['BENCH_LIVE_TRANSPORT'] ?? 'local,fake').split(',').map((s) => s.trim());
  for (const name of raw) {
    if (name !== 'fake' && name !== 'local') throw new Error(`BENCH_LIVE_TRANSPORT: expected fake and/or local, got '${name}'`);
  }
  return raw as Array<'fake' | 'local'>;
}

export function benchOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const raw = env['BENCH_SECTIONS'];
  const names = raw === undefined || raw.trim() === '' ? [...SECTIONS] : raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_SECTIONS: unknown section '${name}' (valid: ${SECTIONS.join(', ')})`);
  }
  return {
    sections: new Set(names as Section[]),
    sizes: list(env, 'BENCH_SIZES', [10, 100, 500]),
    sweep: list(env, 'BENCH_SWEEP', [10, 25, 50, 100, 200]),
    sweepHosts: num(env, 'BENCH_SWEEP_HOSTS', 500),
    bigHosts: num(env, 'BENCH_BIG', 5000),
    hugeHosts: num(env, 'BENCH_HUGE_HOSTS', 100),
    hugeBytes: num(env, 'BENCH_HUGE_BYTES', 1024 ** 3),
    withPssh: env['BENCH_PSSH'] !== '0',
    jobs: num(env, 'BENCH_JOBS', 100_000),
    hostsPerJob: num(env, 'BENCH_HOSTS_PER_JOB', 10),
    repeat: num(env, 'BENCH_REPEAT', 5),
    returns: num(env, 'BENCH_RETURNS', 10_000),
    liveHosts: num(env, 'BENCH_LIVE_HOSTS', 3000),
    liveTransports: liveTransports(env),
    driftHosts: num(env, 'BENCH_DRIFT_HOSTS', 5000),
    notifyReturns: num(env, 'BENCH_NOTIFY_RETURNS', 1000),
    smtpReturns: num(env, 'BENCH_SMTP_RETURNS', 1000),
    startupRounds: num(env, 'BENCH_STARTUP_ROUNDS', 10),
    adaptive: {
      hosts: num(env, 'BENCH_LAB_HOSTS', 200),
      repeat: num(env, 'BENCH_LAB_REPEAT', 3),
      rttMs: num(env, 'BENCH_LAB_RTT', 100),
      groups: num(env, 'BENCH_LAB_GROUPS', 10),
      labs: pick(env, 'BENCH_LABS', ['loopback', 'latency']),
      workloads: pick(env, 'BENCH_LAB_WORKLOADS', ['uptime', 'sleep']),
      fanouts: list(env, 'BENCH_LAB_FANOUTS', [25, 64, 128]),
    },
  };
}
