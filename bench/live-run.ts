/**
 * Live run with a returner: one job over N hosts (3,000 by default) through the job library
 * (src/job runJob) with the real local job cache and the run's real forwarding, with and without
 * `--return mysql` into a fresh MariaDB database. Hosts are reached through a fake transport registered
 * under `local` that answers `test.ping` at once, so the figures are brine's own cost: each case runs
 * in a child process and reports process.cpuUsage() (user + sys of that process only; MariaDB's CPU
 * is its own) and the wall time from the start of forwarding to the end of delivery.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startForwarding } from '../src/delivery/forwarding.js';
import { parseFunctionArgs } from '../src/job/args.js';
import { runJob } from '../src/job/run-job.js';
import { openLocalCache } from '../src/jobcache/local-cache.js';
import type { ModuleFunction } from '../src/modules/types.js';
import { createTransports } from '../src/transport/registry.js';
import type { HostTarget, Session, Transport } from '../src/transport/types.js';
import { createTestDatabase } from '../test/helpers/mysql.js';
import { median, round } from './measure.js';
import { table } from './report.js';

export type LiveCase = 'none' | 'mysql';
/** `fake`: a transport that answers at once (brine's cost alone); `local`: brine's real local transport (one /bin/sh per host). */
export type LiveTransport = 'fake' | 'local';

export interface LiveRunMeasure {
  case: LiveCase;
  hosts: number;
  jid: string;
  cpuSec: number;
  wallSec: number;
  exitCode: number;
}

export interface LiveRunResult {
  hosts: number;
  transport: LiveTransport;
  repeat: number;
  runs: LiveRunMeasure[];
  /** Medians per case. */
  withoutReturn: { cpuSec: number; wallSec: number };
  withReturn: { cpuSec: number; wallSec: number };
  /** CPU with `--return mysql` over CPU without it; the target is at most 1.2. */
  cpuRatio: number;
  wallRatio: number;
  /** Rows in salt_returns for every `--return mysql` run: must equal `hosts`. */
  storedPerRun: number[];
}

export const CPU_RATIO_TARGET = 1.2;

const answer: Session = {
  exec: () => Promise.resolve({ stdout: '', stderr: '', exitCode: 0, timedOut: false }),
  close() {},
};
const fakeTransport: Transport = { connect: () => Promise.resolve(answer) };
/** test.ping's shape (`true` on the host, return True); the module file itself reads package.json, absent under .bench/build. */
const ping: ModuleFunction = {
  doc: 'test.ping',
  prepare: () => ({ command: 'true' }),
  parse: (result) => (result.exitCode === 0 ? { return: true, retcode: 0 } : { return: false, retcode: result.exitCode ?? 1 }),
};

function target(id: string): HostTarget {
  return { id, host: id, port: 22, user: 'root', sudo: false, tty: false, connectTimeoutSec: 10, identitiesOnly: false, connection: 'local' };
}

/** One case, in this (child) process: prints its LiveRunMeasure as one JSON line. */
async function runCase(which: LiveCase, transport: LiveTransport, hosts: number, opts: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-live-'));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  const targets = Array.from({ length: hosts }, (_, i) => target(`host${String(i).padStart(5, '0')}`));
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const forwarding = await startForwarding(which === 'mysql' ? { return: 'mysql' } : {}, { opts }, cache, warn);
    const outcome = await runJob(
      {
        tgt: '*', tgtType: 'glob', targets, fun: 'test.ping', argv: [], parsed: parseFunctionArgs([]), fn: ping,
        maxProcs: 25, commandTimeoutSec: 300,
        connect: { hostKeys: { mode: 'none', knownHostsFile: join(dir, 'known_hosts') } },
        forwardTo: forwarding.returnerNames,
      },
      { cache, transports: transport === 'fake' ? createTransports({ local: () => Promise.resolve(fakeTransport) }) : createTransports(), now: () => new Date(), user: 'root', pid: process.pid },
      { hooks: { onStarted: () => forwarding.notify(), onReturned: () => forwarding.notify() } },
    );
    await forwarding.finish();
    const wallSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const measure: LiveRunMeasure = {
      case: which, hosts, jid: outcome.jid, exitCode: outcome.exitCode,
      cpuSec: round((cpu.user + cpu.system) / 1e6, 3), wallSec: round(wallSec, 3),
    };
    process.stdout.write(`${JSON.stringify(measure)}\n`);
  } finally {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnCase(which: LiveCase, transport: LiveTransport, hosts: number, opts: Record<string, unknown>): Promise<LiveRunMeasure> {
  const args = ['case', which, transport, String(hosts), JSON.stringify(opts)];
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`live-run ${which} × ${hosts}: exit ${code}; stderr: ${stderr}`));
      else resolve(JSON.parse(line) as LiveRunMeasure);
    });
  });
}

/** `repeat` rounds, the two cases alternating so that drift on the machine hits both. */
export async function benchLiveRun(options: { hosts: number; repeat: number; transport: LiveTransport }): Promise<LiveRunResult> {
  const db = await createTestDatabase();
  const runs: LiveRunMeasure[] = [];
  const storedPerRun: number[] = [];
  try {
    const opts = db.opts();
    for (let round_ = 0; round_ < options.repeat; round_++) {
      const order: LiveCase[] = round_ % 2 === 0 ? ['none', 'mysql'] : ['mysql', 'none'];
      for (const which of order) {
        process.stderr.write(`live-run: ${which} × ${options.hosts} over ${options.transport} (round ${round_ + 1}/${options.repeat})\n`);
        const run = await spawnCase(which, options.transport, options.hosts, opts);
        runs.push(run);
        if (which !== 'mysql') continue;
        const [row] = await db.rows('SELECT count(*) AS n FROM salt_returns WHERE jid = ?', [run.jid]);
        storedPerRun.push(Number(row?.['n']));
      }
    }
  } finally {
    await db.drop();
  }
  const pick = (which: LiveCase) => {
    const own = runs.filter((r) => r.case === which);
    return { cpuSec: round(median(own.map((r) => r.cpuSec)), 3), wallSec: round(median(own.map((r) => r.wallSec)), 3) };
  };
  const withoutReturn = pick('none');
  const withReturn = pick('mysql');
  return {
    hosts: options.hosts, transport: options.transport, repeat: options.repeat, runs, withoutReturn, withReturn, storedPerRun,
    cpuRatio: round(withReturn.cpuSec / withoutReturn.cpuSec, 3),
    wallRatio: round(withReturn.wallSec / withoutReturn.wallSec, 3),
  };
}

export function liveRunTable(r: LiveRunResult): string {
  const rows = [
    ['without --return', String(r.withoutReturn.cpuSec), String(r.withoutReturn.wallSec), '-'],
    ['--return mysql', String(r.withReturn.cpuSec), String(r.withReturn.wallSec), r.storedPerRun.join(', ')],
  ];
  const verdict = r.cpuRatio <= CPU_RATIO_TARGET ? 'meets' : 'misses';
  return (
    `${table([`test.ping × ${r.hosts}, ${r.transport} transport (median of ${r.repeat})`, 'CPU s', 'wall s', 'rows stored'], rows)}\n` +
    `CPU ratio ${r.cpuRatio} (wall ${r.wallRatio}): ${verdict} the target of at most ${CPU_RATIO_TARGET}`
  );
}

const [, , mode, which, transport, hosts, opts] = process.argv;
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (mode === 'case' && (which === 'none' || which === 'mysql') && (transport === 'fake' || transport === 'local')) {
    await runCase(which, transport, Number(hosts), JSON.parse(opts ?? '{}') as Record<string, unknown>);
  } else {
    const env = process.env;
    const result = await benchLiveRun({ hosts: Number(env['BENCH_LIVE_HOSTS'] ?? 3000), repeat: 3, transport: env['BENCH_LIVE_TRANSPORT'] === 'local' ? 'local' : 'fake' });
    process.stdout.write(`${liveRunTable(result)}\n`);
  }
}
