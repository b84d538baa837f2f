/** Whole-process runs of brine's salt-ssh and Debian's parallel-ssh over the same sshd. */
import { existsSync } from 'node:fs';
import type { Fleet } from './fleet.js';
import { SALT_SSH } from './paths.js';
import { measureProcess, round, type ProcessMeasure } from './measure.js';

export const PSSH = '/usr/bin/parallel-ssh';
/** pssh's own default parallelism (`-p`), which the comparison keeps. */
export const PSSH_DEFAULT_PAR = 32;

/** A salt function and the shell command pssh runs for the same work (test.ping runs `true`). */
export interface Workload {
  name: string;
  salt: string[];
  shell: string;
  /** Whether a host's return shows the command really ran. */
  isOk(value: unknown): boolean;
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'test.ping', salt: ['test.ping'], shell: 'true', isOk: (v) => v === true },
  { name: 'cmd.run uptime', salt: ['cmd.run', 'uptime'], shell: 'uptime', isOk: (v) => typeof v === 'string' && v.includes('load average') },
];

export interface RunResult {
  tool: 'brine' | 'pssh';
  workload: string;
  hosts: number;
  /** The fan-out used; for brine `undefined` in the request means the configured default. */
  fanout: number;
  ok: number;
  exitCode: number;
  wallSec: number;
  cpuSec: number;
  cpuMsPerHost: number;
  maxRssMiB: number;
}

export function hasPssh(): boolean {
  return existsSync(PSSH);
}

function timeoutFor(hosts: number): number {
  return Math.max(120_000, hosts * 400);
}

export async function runBrine(fleet: Fleet, workload: Workload, hosts: number, fanout: number | undefined, defaultFanout: number): Promise<RunResult> {
  const args = [
    SALT_SSH,
    '-c', fleet.configDir,
    '--roster-file', fleet.roster(hosts),
    '*', ...workload.salt,
    '--out', 'json', '--static',
    ...(fanout === undefined ? [] : ['--max-procs', String(fanout)]),
  ];
  // No agent: every host authenticates with the roster key alone, as pssh does with -i.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
  delete env['SSH_AUTH_SOCK'];
  const m = await measureProcess(process.execPath, args, { env, captureStdout: true, timeoutMs: timeoutFor(hosts) });
  return result('brine', workload, hosts, fanout ?? defaultFanout, countBrineOk(m.stdout, workload), m);
}

export async function runPssh(fleet: Fleet, workload: Workload, hosts: number, par = PSSH_DEFAULT_PAR): Promise<RunResult> {
  const ssh = [
    `-i ${fleet.sshd.clientKey}`,
    '-o IdentitiesOnly=yes',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${fleet.knownHostsFile}`,
    '-o LogLevel=ERROR',
  ].join(' ');
  const args = ['-h', fleet.psshHosts(hosts), '-l', fleet.sshd.user, '-x', ssh, '-p', String(par), '-t', '60', '-i', workload.shell];
  const m = await measureProcess(PSSH, args, { captureStdout: true, timeoutMs: timeoutFor(hosts) });
  const ok = m.stdout.split('\n').filter((line) => line.includes('[SUCCESS]')).length;
  return result('pssh', workload, hosts, par, ok, m);
}

function countBrineOk(stdout: string, workload: Workload): number {
  try {
    const data = JSON.parse(stdout) as Record<string, unknown>;
    return Object.values(data).filter((v) => workload.isOk(v)).length;
  } catch {
    return 0;
  }
}

function result(tool: RunResult['tool'], workload: Workload, hosts: number, fanout: number, ok: number, m: ProcessMeasure): RunResult {
  return {
    tool,
    workload: workload.name,
    hosts,
    fanout,
    ok,
    exitCode: m.exitCode,
    wallSec: m.wallSec,
    cpuSec: m.cpuSec,
    cpuMsPerHost: round((m.cpuSec * 1000) / hosts, 1),
    maxRssMiB: m.maxRssMiB,
  };
}
