/**
 * `npm run bench`: brine's salt-ssh against Debian's parallel-ssh over one real sshd, a fan-out sweep,
 * one 5,000-host run, the job cache's salt-run queries, MySQL forwarding, and a 3,000-host live run
 * with and without `--return mysql` (bench/live-run.ts). Prints tables and writes
 * .bench/results.json. Sizes come from BENCH_* variables (bench/options.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { DEFAULTS } from '../src/config/defaults.js';
import { adaptiveTables, benchAdaptive, type AdaptiveResult } from './adaptive.js';
import { hasPssh, PSSH_DEFAULT_PAR, runBrine, runPssh, WORKLOADS, type RunResult } from './fanout.js';
import { startFleet, type Fleet } from './fleet.js';
import { benchHugeOutput, hugeOutputLine, type HugeOutputResult } from './huge-output.js';
import { benchDrift, driftTable, type DriftResult } from './drift.js';
import { benchJobCache, type JobCacheResult } from './jobcache.js';
import { benchLiveRun, liveRunTable, type LiveRunResult } from './live-run.js';
import { round } from './measure.js';
import { benchOptions, type BenchOptions } from './options.js';
import { RESULTS_FILE } from './paths.js';
import { forwardingTable, jobCacheTable, ratiosTable, runsTable, type Ratio } from './report.js';
import { benchForwarding, poisonTable, type ForwardingResult } from './returners.js';
import { benchNotifyHttp, notifyHttpTable, type NotifyHttpResult } from './notify-http.js';
import { benchNotifySmtp, notifySmtpTable, type NotifySmtpResult } from './notify-smtp.js';
import { benchStartup, startupTable, type StartupResult } from './startup.js';

interface Results {
  startedAt: string;
  machine: { cpus: number; model: string; node: string };
  options: Omit<BenchOptions, 'sections'> & { sections: string[] };
  defaultFanout: number;
  psshParallelism: number | null;
  loadAverage: Record<string, number[]>;
  fanout: RunResult[];
  ratios: Ratio[];
  sweep: RunResult[];
  big: RunResult[];
  huge?: HugeOutputResult;
  jobcache?: JobCacheResult;
  returners?: ForwardingResult;
  drift?: DriftResult;
  notify?: NotifyHttpResult;
  smtp?: NotifySmtpResult;
  live?: LiveRunResult[];
  adaptive?: AdaptiveResult;
  startup?: StartupResult;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function section(results: Results, name: string): void {
  const load = loadavg().map((v) => round(v, 2));
  results.loadAverage[name] = load;
  process.stdout.write(`\n== ${name} (load average ${load.join(' ')} on ${results.machine.cpus} CPUs) ==\n`);
}

function check(run: RunResult): RunResult {
  if (run.ok !== run.hosts) log(`warning: ${run.tool} ${run.workload} over ${run.hosts} hosts: only ${run.ok} answered (exit ${run.exitCode})`);
  return run;
}

async function sshSections(options: BenchOptions, results: Results): Promise<void> {
  const fleet: Fleet = await startFleet();
  const defaultFanout = results.defaultFanout;
  try {
    if (options.sections.has('fanout')) {
      section(results, `brine (default: adaptive, at most ${defaultFanout} in flight) vs parallel-ssh (-p ${results.psshParallelism ?? '-'})`);
      for (const hosts of options.sizes) {
        for (const workload of WORKLOADS) {
          log(`fanout: ${workload.name} × ${hosts}`);
          const brine = check(await runBrine(fleet, workload, hosts, undefined, defaultFanout));
          results.fanout.push(brine);
          if (results.psshParallelism === null) continue;
          const pssh = check(await runPssh(fleet, workload, hosts, results.psshParallelism));
          results.fanout.push(pssh);
          results.ratios.push({ workload: workload.name, hosts, wall: round(brine.wallSec / pssh.wallSec, 3), cpu: round(brine.cpuSec / pssh.cpuSec, 3) });
        }
      }
      process.stdout.write(`${runsTable(results.fanout)}\n\n`);
      if (results.ratios.length > 0) process.stdout.write(`${ratiosTable(results.ratios)}\n`);
      else process.stdout.write('parallel-ssh is not installed (apt-get install pssh): no side-by-side ratios\n');
    }
    if (options.sections.has('sweep') && options.sweep.length > 0) {
      section(results, `fan-out sweep, test.ping × ${options.sweepHosts}`);
      const ping = WORKLOADS[0];
      if (ping === undefined) throw new Error('bench: no test.ping workload');
      for (const fanout of options.sweep) {
        log(`sweep: --max-procs ${fanout}`);
        results.sweep.push(check(await runBrine(fleet, ping, options.sweepHosts, fanout, defaultFanout)));
      }
      process.stdout.write(`${runsTable(results.sweep)}\n`);
      const best = [...results.sweep].sort((a, b) => a.wallSec - b.wallSec)[0];
      if (best) process.stdout.write(`fastest: --max-procs ${best.fanout} (${best.wallSec} s); the default adapts (BENCH_SECTIONS=adaptive)\n`);
    }
    if (options.sections.has('big') && options.bigHosts > 0) {
      section(results, `one run over ${options.bigHosts} hosts (default --max-procs)`);
      for (const workload of WORKLOADS.slice(0, 1)) {
        log(`big: ${workload.name} × ${options.bigHosts}`);
        results.big.push(check(await runBrine(fleet, workload, options.bigHosts, undefined, defaultFanout)));
      }
      process.stdout.write(`${runsTable(results.big)}\n`);
      for (const run of results.big) {
        process.stdout.write(`peak RSS ${run.maxRssMiB} MiB: ${run.maxRssMiB < 1024 ? 'meets' : 'misses'} < 1 GB\n`);
      }
    }
    if (options.sections.has('huge') && options.hugeHosts > 0) {
      section(results, `huge output: ${options.hugeHosts} hosts, one writing ${options.hugeBytes} bytes`);
      results.huge = await benchHugeOutput(fleet, options.hugeHosts, options.hugeBytes);
      process.stdout.write(`${hugeOutputLine(results.huge)}\n`);
    }
    if (options.sections.has('adaptive') && options.adaptive.hosts > 0) {
      const a = options.adaptive;
      section(results, `adaptive fan-out: ${a.hosts} hosts, medians of ${a.repeat}, labs ${a.labs.join(', ')} (${a.rttMs} ms RTT)`);
      results.adaptive = await benchAdaptive(fleet.sshd, a, log);
      process.stdout.write(`${adaptiveTables(results.adaptive)}\n`);
    }
  } finally {
    await fleet.stop();
  }
}

async function main(): Promise<void> {
  const options = benchOptions(process.env);
  const cpu = cpus();
  const results: Results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version },
    options: { ...options, sections: [...options.sections] },
    defaultFanout: DEFAULTS.sshMaxProcs,
    psshParallelism: options.withPssh && hasPssh() ? PSSH_DEFAULT_PAR : null,
    loadAverage: {},
    fanout: [],
    ratios: [],
    sweep: [],
    big: [],
  };
  const started = performance.now();
  if (['fanout', 'sweep', 'big', 'huge', 'adaptive'].some((s) => options.sections.has(s as 'fanout'))) await sshSections(options, results);
  if (options.sections.has('jobcache') && options.jobs > 0) {
    section(results, 'job cache: salt-run as whole processes');
    log(`jobcache: filling ${options.jobs} jobs × ${options.hostsPerJob} hosts`);
    results.jobcache = await benchJobCache({ jobs: options.jobs, hostsPerJob: options.hostsPerJob, repeat: options.repeat });
    process.stdout.write(`${jobCacheTable(results.jobcache)}\n`);
  }
  if (options.sections.has('returners') && options.returns > 0) {
    section(results, 'returners: forwarding to MySQL');
    results.returners = await benchForwarding({ returns: options.returns });
    process.stdout.write(`${forwardingTable(results.returners)}\n`);
    if (results.returners.poison) process.stdout.write(`${poisonTable(results.returners.poison)}\n`);
  }
  if (options.sections.has('live') && options.liveHosts > 0) {
    section(results, `live run: test.ping × ${options.liveHosts} with and without --return mysql`);
    results.live = [];
    for (const transport of options.liveTransports) {
      const live = await benchLiveRun({ hosts: options.liveHosts, repeat: 3, transport });
      results.live.push(live);
      process.stdout.write(`${liveRunTable(live)}\n`);
    }
  }
  if (options.sections.has('drift') && options.driftHosts > 0 && options.jobs > 0) {
    section(results, `drift: jobs.diff and --changes over ${options.driftHosts} hosts in a ${options.jobs}-job cache`);
    results.drift = await benchDrift({ jobs: options.jobs, hosts: options.driftHosts, repeat: options.repeat });
    process.stdout.write(`${driftTable(results.drift)}\n`);
  }
  if (options.sections.has('notify') && options.notifyReturns > 0) {
    section(results, `notifications: ${options.notifyReturns} returns to a local Slack webhook over HTTPS`);
    results.notify = await benchNotifyHttp({ returns: options.notifyReturns });
    process.stdout.write(`${notifyHttpTable(results.notify)}\n`);
  }
  if (options.sections.has('smtp') && options.smtpReturns > 0) {
    section(results, `mail: ${options.smtpReturns} returns to a local SMTP server, one pooled connection per batch`);
    results.smtp = await benchNotifySmtp({ returns: options.smtpReturns });
    process.stdout.write(`${notifySmtpTable(results.smtp)}\n`);
  }
  if (options.sections.has('startup') && options.startupRounds > 0) {
    section(results, `start-up: the single executable vs node bin/salt-ssh.js`);
    results.startup = await benchStartup(options.startupRounds, log);
    process.stdout.write(`${startupTable(results.startup)}\n`);
  }
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nbench took ${round((performance.now() - started) / 1000, 0)} s; results in ${RESULTS_FILE}\n`);
}

await main();
