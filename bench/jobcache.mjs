// Fills a job cache for timing `salt-run jobs.*` as whole processes (run `npm run build` first):
//   node bench/jobcache.mjs <file> [jobs] [hostsPerJob]
// then e.g. `salt-run jobs.lookup_jid <jid it prints>` and `salt-run jobs.list_jobs search_function=cmd.run`.
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openLocalCache } from '../dist/jobcache/local-cache.js';
import { generateJid } from '../dist/jobcache/jid.js';

const HOUR = 3_600_000;
const BATCH = 10_000;

/** A mix of functions with return values shaped like real ones; cmd.run is one job in four. */
const FUNS = [
  { fun: 'cmd.run', arg: ['uptime'], value: (id) => ` 17:18:06 up 38 min,  0 user,  load average: 0.23, 0.62, 0.45 (${id})` },
  { fun: 'test.ping', arg: [], value: () => true },
  { fun: 'cmd.run_all', arg: ['systemctl is-active nginx'], value: (id, i) => ({ pid: 10_000 + i, retcode: 0, stdout: 'active', stderr: '' }) },
  { fun: 'cmd.run', arg: ['df -h /'], value: () => 'Filesystem Size Used Avail Use% Mounted on\n/dev/vda 252G 23G 80G 22% /' },
  { fun: 'grains.item', arg: ['os', 'osrelease'], value: () => ({ os: 'Debian', osrelease: '12' }) },
  { fun: 'state.apply', arg: ['nginx'], value: () => ({ 'pkg_|-nginx_|-nginx_|-installed': { result: true, comment: 'All specified packages are already installed', changes: {} } }) },
  { fun: 'cmd.run', arg: ['id -un'], value: () => 'root' },
  { fun: 'test.version', arg: [], value: () => '3007.1' },
];

const UNREACHABLE = { _error: 'Connection refused', stdout: '', stderr: 'ssh: connect to host 10.0.0.9 port 22: Connection refused', retcode: 255, parsed: null };

/**
 * Writes `jobs` jobs of `hostsPerJob` hosts each, spread evenly over the 48 hours before `now`,
 * in one transaction per 10,000 jobs. About 1 host in 50 failed. Returns the jids, oldest first.
 */
export async function fillCache(file, { jobs = 100_000, hostsPerJob = 10, now = Date.now() } = {}) {
  const cache = openLocalCache(file);
  const spacing = (48 * HOUR) / jobs;
  const jids = [];
  try {
    for (let start = 0; start < jobs; start += BATCH) {
      const items = [];
      for (let i = start; i < Math.min(jobs, start + BATCH); i++) {
        const startedAt = Math.floor(now - 48 * HOUR + i * spacing);
        const jid = generateJid(new Date(startedAt), i % 1000);
        const spec = FUNS[i % FUNS.length];
        const minions = Array.from({ length: hostsPerJob }, (_, h) => `web${String(h + 1).padStart(3, '0')}.example.com`);
        const stamp = new Date(startedAt + 800).toISOString().replace('Z', '000');
        const returns = minions.map((id, h) => {
          const failed = (i + h) % 50 === 0;
          return {
            id, jid, fun: spec.fun, fun_args: spec.arg,
            return: failed ? UNREACHABLE : spec.value(id, i),
            retcode: failed ? 255 : 0, success: !failed, _stamp: stamp,
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

function sizeOf(file) {
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, jobs = '100000', hosts = '10'] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node bench/jobcache.mjs <cache file> [jobs=100000] [hostsPerJob=10]');
    process.exit(64);
  }
  const started = performance.now();
  const jids = await fillCache(file, { jobs: Number(jobs), hostsPerJob: Number(hosts) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`filled ${file}: ${jids.length} jobs x ${hosts} hosts in ${seconds} s`);
  console.log(`size on disk: ${(sizeOf(file) / 1024 / 1024).toFixed(1)} MiB`);
  console.log(`a jid to look up: ${jids[Math.floor(jids.length / 2)]}`);
}
