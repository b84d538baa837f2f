/**
 * `BENCH_SECTIONS=adaptive`: brine's adaptive fan-out against brine pinned at 25/64/128, parallel-ssh at
 * its default (-p 32) and clush at its default (fanout 64), in one run, alternating (the order rotates
 * each repetition), medians of BENCH_LAB_REPEAT, on the loopback lab and the latency lab (bench/lab.ts),
 * N hosts, `uptime` and `sleep 5; uptime`. Reports wall, client CPU (with children: pssh's and clush's
 * ssh processes) and hosts answered, and checks the target: adaptive answers every host pssh answers,
 * its wall is within 1.2× of the best pinned brine and ≤ 0.5× of the faster of pssh and clush.
 */
import type { SshdHarness } from '../test/helpers/sshd.js';
import { CLUSH, ensureLabTools, PSSH, startLab, type Lab, type LabSpec } from './lab.js';
import { measureProcess, median, round } from './measure.js';
import { SALT_SSH } from './paths.js';
import { table } from './report.js';

export interface AdaptiveOptions {
  hosts: number;
  repeat: number;
  rttMs: number;
  groups: number;
  labs: Array<LabSpec['name']>;
  workloads: Array<'uptime' | 'sleep'>;
  /** Pinned brine settings (`--max-procs`). */
  fanouts: number[];
}

interface Contender {
  label: string;
  tool: 'brine' | 'pssh' | 'clush';
  fanout?: number;
}

export interface AdaptiveRow {
  lab: string;
  workload: string;
  contender: string;
  wallSec: number;
  cpuSec: number;
  /** The fewest hosts answered over the repetitions. */
  ok: number;
  hosts: number;
  walls: number[];
}

export interface AdaptiveVerdict {
  lab: string;
  workload: string;
  answersWhatPsshAnswers: boolean;
  /** adaptive wall / best pinned brine wall; target ≤ 1.2. */
  vsBestPinned: number;
  /** adaptive wall / faster of pssh and clush; target ≤ 0.5. */
  vsPeers: number | null;
}

export interface AdaptiveResult {
  options: AdaptiveOptions;
  rows: AdaptiveRow[];
  verdicts: AdaptiveVerdict[];
}

const SHELL = { uptime: 'uptime', sleep: 'sleep 5; uptime' } as const;

export async function benchAdaptive(sshd: SshdHarness, options: AdaptiveOptions, log: (line: string) => void): Promise<AdaptiveResult> {
  const tools = ensureLabTools(log);
  const contenders: Contender[] = [
    { label: 'brine adaptive', tool: 'brine' },
    ...options.fanouts.map((fanout): Contender => ({ label: `brine --max-procs ${fanout}`, tool: 'brine', fanout })),
    ...(tools.pssh ? [{ label: 'pssh (default -p 32)', tool: 'pssh' } as const] : []),
    ...(tools.clush ? [{ label: 'clush (default fanout 64)', tool: 'clush' } as const] : []),
  ];
  const rows: AdaptiveRow[] = [];
  for (const labName of options.labs) {
    const lab = await startLab(sshd, { name: labName, hosts: options.hosts, rttMs: options.rttMs, groups: options.groups });
    try {
      for (const workload of options.workloads) {
        const runs = new Map<string, Array<{ wall: number; cpu: number; ok: number }>>();
        for (let rep = 0; rep < options.repeat; rep += 1) {
          // alternating: each repetition starts one contender later, so drift in the machine's load is shared
          const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length] as Contender);
          for (const contender of order) {
            log(`adaptive: ${lab.name}, ${SHELL[workload]}, ${contender.label} (${rep + 1}/${options.repeat})`);
            const run = await runOne(lab, SHELL[workload], contender);
            const list = runs.get(contender.label) ?? [];
            list.push(run);
            runs.set(contender.label, list);
          }
        }
        for (const contender of contenders) {
          const list = runs.get(contender.label) ?? [];
          rows.push({
            lab: lab.name,
            workload: SHELL[workload],
            contender: contender.label,
            wallSec: round(median(list.map((r) => r.wall))),
            cpuSec: round(median(list.map((r) => r.cpu))),
            ok: Math.min(...list.map((r) => r.ok)),
            hosts: options.hosts,
            walls: list.map((r) => r.wall),
          });
        }
      }
    } finally {
      await lab.close();
    }
  }
  return { options, rows, verdicts: verdicts(rows) };
}

async function runOne(lab: Lab, shell: string, contender: Contender): Promise<{ wall: number; cpu: number; ok: number }> {
  const timeoutMs = Math.max(300_000, lab.hosts * 2000);
  if (contender.tool === 'brine') {
    const args = [SALT_SSH, '-c', lab.configDir, '--roster-file', lab.roster, '*', 'cmd.run', shell, '--out', 'json', '--static'];
    if (contender.fanout !== undefined) args.push('--max-procs', String(contender.fanout));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
    delete env['SSH_AUTH_SOCK'];
    const m = await measureProcess(process.execPath, args, { env, captureStdout: true, timeoutMs });
    let ok: number;
    try {
      ok = Object.values(JSON.parse(m.stdout) as Record<string, unknown>).filter(isUptime).length;
    } catch {
      ok = 0;
    }
    return { wall: m.wallSec, cpu: m.cpuSec, ok };
  }
  if (contender.tool === 'pssh') {
    const m = await measureProcess(PSSH, ['-h', lab.hostsFile, '-x', `-F ${lab.sshConfig}`, '-t', '60', '-i', shell], { captureStdout: true, timeoutMs });
    return { wall: m.wallSec, cpu: m.cpuSec, ok: m.stdout.split('\n').filter((line) => line.includes('[SUCCESS]')).length };
  }
  const m = await measureProcess(CLUSH, ['-w', lab.nodeSet, '-o', `-F ${lab.sshConfig}`, shell], { captureStdout: true, timeoutMs });
  const answered = new Set(m.stdout.split('\n').filter(isUptime).map((line) => line.split(':')[0]));
  return { wall: m.wallSec, cpu: m.cpuSec, ok: answered.size };
}

function isUptime(value: unknown): boolean {
  return typeof value === 'string' && value.includes('load average');
}

function verdicts(rows: readonly AdaptiveRow[]): AdaptiveVerdict[] {
  const groups = new Map<string, AdaptiveRow[]>();
  for (const row of rows) groups.set(`${row.lab}\0${row.workload}`, [...(groups.get(`${row.lab}\0${row.workload}`) ?? []), row]);
  return [...groups.values()].map((group) => {
    const first = group[0] as AdaptiveRow;
    const adaptive = group.find((r) => r.contender === 'brine adaptive') as AdaptiveRow;
    const pinned = group.filter((r) => r.contender.startsWith('brine --max-procs'));
    const peers = group.filter((r) => !r.contender.startsWith('brine'));
    const pssh = peers.find((r) => r.contender.startsWith('pssh'));
    const bestPinned = Math.min(...pinned.map((r) => r.wallSec));
    const fastestPeer = peers.length === 0 ? undefined : Math.min(...peers.map((r) => r.wallSec));
    return {
      lab: first.lab,
      workload: first.workload,
      answersWhatPsshAnswers: pssh === undefined || adaptive.ok >= pssh.ok,
      vsBestPinned: round(adaptive.wallSec / bestPinned, 2),
      vsPeers: fastestPeer === undefined ? null : round(adaptive.wallSec / fastestPeer, 2),
    };
  });
}

export function adaptiveTables(result: AdaptiveResult): string {
  const runs = table(
    ['lab', 'command', 'contender', 'median wall s', 'client cpu s', 'answered', 'walls'],
    result.rows.map((r) => [r.lab, r.workload, r.contender, r.wallSec, r.cpuSec, `${r.ok}/${r.hosts}`, r.walls.join(' ')]),
  );
  const meets = (ok: boolean) => (ok ? 'meets' : 'misses');
  const targets = table(
    ['lab', 'command', 'answers all pssh answers', 'adaptive / best pinned (≤ 1.2)', 'adaptive / faster peer (≤ 0.5)'],
    result.verdicts.map((v) => [
      v.lab,
      v.workload,
      meets(v.answersWhatPsshAnswers),
      `${v.vsBestPinned} (${meets(v.vsBestPinned <= 1.2)})`,
      v.vsPeers === null ? '-' : `${v.vsPeers} (${meets(v.vsPeers <= 0.5)})`,
    ]),
  );
  return `${runs}\n\n${targets}`;
}
