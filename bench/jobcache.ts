/**
 * Job cache benchmark: fills a cache with 100,000 jobs of 10 hosts, then times `salt-run jobs.*`
 * as whole processes (CLI start included). Also runnable alone after `npm run bench` compiled it:
 *   node .bench/build/bench/jobcache.js <cache file> [jobs] [hostsPerJob]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { localCacheFile, openLocalCache, type JobImport } from '../src/jobcache/local-cache.js';
import { generateJid } from '../src/salt/jid.js';
import type { HostReturn } from '../src/core/job.js';
import { measureProcess, median, round } from './measure.js';
import { SALT_RUN } from './paths.js';

const HOUR = 3_600_000;
const BATCH = 10_000;

interface FunSpec {
  fun: string;
  arg: string[];
  value(id: string, i: number): unknown;
}

/** A mix of functions with return values shaped like real ones; cmd.run is 3 jobs in 8. */
const FUNS: readonly FunSpec[] = [
  { fun: 'cmd.run', arg: ['uptime'], value: (id) => ` 17:18:06 up 38 min,  0 user,  load average: 0.23, 0.62, 0.45 (${id})` },
  { fun: 'test.ping', arg: [], value: () => true },
  { fun: 'cmd.run_all', arg: ['systemctl is-active nginx'], value: (_id, i) => ({ pid: 10_000 + i, retcode: 0, stdout: 'active', stderr: '' }) },
  { fun: 'cmd.run', arg: ['df -h /'], value: () => 'Filesystem Size Used Avail Use% Mounted on\n/dev/vda 252G 23G 80G 22% /' },
  { fun: 'grains.item', arg: ['os', 'osrelease'], value: () => ({ os: 'Debian', osrelease: '12' }) },
  {
    fun: 'state.apply',
    arg: ['nginx'],
    value: () => ({ 'pkg_|-nginx_|-nginx_|-installed': { result: true, comment: 'All specified packages are already installed', changes: {} } }),
  },
  { fun: 'cmd.run', arg: ['id -un'], value: () => 'root' },
  { fun: 'test.version', arg: [], value: () => '3007.1' },
];

const UNREACHABLE = {
  _error: 'Connection refused',
  stdout: '',
  stderr: 'ssh: connect to host 10.0.0.9 port 22: Connection refused',
  retcode: 255,
  parsed: null,
};

export interface FillOptions {
  jobs?: number;
  hostsPerJob?: number;
  now?: number;
}

/**
 * Writes `jobs` jobs of `hostsPerJob` hosts each, spread evenly over the 48 hours before `now`,
 * in one transaction per 10,000 jobs. About 1 host in 50 failed. Returns the jids, oldest first.
 */
export async function fillCache(file: string, { jobs = 100_000, hostsPerJob = 10, now = Date.now() }: FillOptions = {}): Promise<string[]> {
  const cache = openLocalCache(file);
  const spacing = (48 * HOUR) / jobs;
  const jids: string[] = [];
  const minions = Array.from({ length: hostsPerJob }, (_, h) => `web${String(h + 1).padStart(3, '0')}.example.com`);
  try {
    for (let start = 0; start < jobs; start += BATCH) {
      const items: JobImport[] = [];
      for (let i = start; i < Math.min(jobs, start + BATCH); i++) {
        const startedAt = Math.floor(now - 48 * HOUR + i * spacing);
        const jid = generateJid(new Date(startedAt), i % 1000);
        const spec = FUNS[i % FUNS.length] as FunSpec;
        const stamp = new Date(startedAt + 800).toISOString().replace('Z', '000');
        const returns = minions.map((id, h): HostReturn => {
          const failed = (i + h) % 50 === 0;
          return {
            id,
            jid,
            fun: spec.fun,
            fun_args: spec.arg,
            return: failed ? UNREACHABLE : spec.value(id, i),
            retcode: failed ? 255 : 0,
            success: !failed,
            _stamp: stamp,
          };
        });
        const load = { jid, fun: spec.fun, arg: spec.arg, tgt: 'web*', tgt_type: 'glob', user: 'root' };
        items.push({ job: { load, minions, startedAt, endedAt: startedAt + 1500, pid: 1 }, returns });
        jids.push(jid);
      }
      cache.importJobs(items);
    }
  } finally {
    await cache.close();
  }
  return jids;
}

/** The cache file with its -wal and -shm companions. */
export function sizeOnDisk(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // -wal/-shm exist only while a connection is open or after a crash.
    }
  }
  return total;
}

export interface QueryTiming {
  name: string;
  argv: string[];
  /** Median of the runs, whole process. */
  wallSec: number;
  cpuSec: number;
  maxRssMiB: number;
  runs: number[];
  /** Jobs (list_jobs) or hosts (lookup_jid) in the JSON answer, to show the query did its work. */
  items: number;
}

export interface JobCacheResult {
  jobs: number;
  hostsPerJob: number;
  fillSec: number;
  sizeMiB: number;
  queries: QueryTiming[];
}

export async function benchJobCache(options: { jobs: number; hostsPerJob: number; repeat: number }): Promise<JobCacheResult> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-cache-'));
  try {
    const cachedir = join(dir, 'cache');
    mkdirSync(cachedir);
    writeFileSync(join(dir, 'master'), stringify({ cachedir }, { version: '1.1' }));
    const file = localCacheFile({ cachedir });
    const now = Date.now();
    const started = performance.now();
    const jids = await fillCache(file, { jobs: options.jobs, hostsPerJob: options.hostsPerJob, now });
    const fillSec = round((performance.now() - started) / 1000, 1);
    const jid = jids[Math.floor(jids.length / 2)] ?? '';
    const since = saltTime(new Date(now - 24 * HOUR));
    const queries: Array<[string, string[]]> = [
      ['jobs.lookup_jid', ['jobs.lookup_jid', jid]],
      ['jobs.list_jobs cmd.run last 24h', ['jobs.list_jobs', 'search_function=cmd.run', `start_time=${since}`]],
      ['  … limit=100', ['jobs.list_jobs', 'search_function=cmd.run', `start_time=${since}`, 'limit=100']],
    ];
    const timings: QueryTiming[] = [];
    for (const [name, argv] of queries) timings.push(await timeSaltRun(dir, name, argv, options.repeat));
    return { jobs: options.jobs, hostsPerJob: options.hostsPerJob, fillSec, sizeMiB: round(sizeOnDisk(file) / 1024 / 1024, 1), queries: timings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeSaltRun(configDir: string, name: string, argv: string[], repeat: number): Promise<QueryTiming> {
  const args = [SALT_RUN, '-c', configDir, ...argv, '--out', 'json'];
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  let items = 0;
  for (let i = 0; i < repeat; i++) {
    const m = await measureProcess(process.execPath, args, { captureStdout: i === 0, timeoutMs: 120_000 });
    if (m.exitCode !== 0) throw new Error(`salt-run ${argv.join(' ')} exited ${m.exitCode}: ${m.stderr.trim().split('\n').pop() ?? ''}`);
    if (i === 0) items = countItems(m.stdout);
    walls.push(m.wallSec);
    cpus.push(m.cpuSec);
    rss = Math.max(rss, m.maxRssMiB);
  }
  return { name, argv, wallSec: median(walls), cpuSec: median(cpus), maxRssMiB: rss, runs: walls, items };
}

/** list_jobs answers {jid: job}; lookup_jid answers {host: return}. */
function countItems(stdout: string): number {
  try {
    return Object.keys(JSON.parse(stdout) as object).length;
  } catch {
    return -1;
  }
}

/** start_time as brine's jobs runner reads it: ISO, UTC. */
function saltTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, jobs = '100000', hosts = '10'] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node .bench/build/bench/jobcache.js <cache file> [jobs=100000] [hostsPerJob=10]');
    process.exit(64);
  }
  const started = performance.now();
  const jids = await fillCache(file, { jobs: Number(jobs), hostsPerJob: Number(hosts) });
  console.log(`filled ${file}: ${jids.length} jobs x ${hosts} hosts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`size on disk: ${(sizeOnDisk(file) / 1024 / 1024).toFixed(1)} MiB`);
  console.log(`a jid to look up: ${jids[Math.floor(jids.length / 2)] ?? ''}`);
}
