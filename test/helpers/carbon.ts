/**
 * A private carbon-cache (Debian `graphite-carbon`) for one test file: loopback plaintext, pickle and
 * cache-query ports, whisper files in a temp dir (1s:1h, 1m:7d, 1h:5y, so returns stamped days ago
 * land too), in the foreground (`--debug`), ready when its pickle receiver starts; stopped by its PID.
 * Read back as graphite-web would, from the whisper files, with `whisper-fetch`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './hang-server.js';
import { startServerProcess } from './server-process.js';

export interface CarbonServer {
  readonly linePort: number;
  readonly picklePort: number;
  readonly whisperDir: string;
  /** The non-null points of `metric` between `from` and `until` (epoch seconds), via whisper-fetch. */
  fetch(metric: string, from: number, until: number): Promise<Array<[number, number]>>;
  /** The same for many metrics at once, through the whisper module in one Python process. */
  fetchMany(metrics: readonly string[], from: number, until: number): Promise<Map<string, Array<[number, number]>>>;
  /**
   * Waits until carbon has written everything it received before this call: a sentinel metric is
   * sent and waited for on disk, twice (the writer drains its cache in snapshots).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const run = (file: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) => execFile(file, args, { timeout: 10_000 }, (err, stdout) => (err ? reject(new Error(`${file}: ${err.message}`)) : resolve(stdout))));

const whisperDirOf = (dir: string): string => join(dir, 'storage', 'whisper');

export async function startCarbon(): Promise<CarbonServer> {
  const [linePort, picklePort, queryPort] = [await freePort(), await freePort(), await freePort()];
  const server = await startServerProcess({
    name: 'carbon',
    command: 'carbon-cache',
    prepare: (dir) => {
      const whisperDir = whisperDirOf(dir);
      mkdirSync(whisperDir, { recursive: true });
      mkdirSync(join(dir, 'log'));
      writeFileSync(join(dir, 'carbon.conf'), [
        '[cache]', `STORAGE_DIR = ${join(dir, 'storage')}`, `LOCAL_DATA_DIR = ${whisperDir}`, `WHITELISTS_DIR = ${join(dir, 'lists')}`,
        `CONF_DIR = ${dir}`, `LOG_DIR = ${join(dir, 'log')}`, `PID_DIR = ${dir}`, 'USER =',
        'MAX_CACHE_SIZE = inf', 'MAX_UPDATES_PER_SECOND = inf', 'MAX_CREATES_PER_MINUTE = inf',
        'LINE_RECEIVER_INTERFACE = 127.0.0.1', `LINE_RECEIVER_PORT = ${linePort}`,
        'PICKLE_RECEIVER_INTERFACE = 127.0.0.1', `PICKLE_RECEIVER_PORT = ${picklePort}`,
        'CACHE_QUERY_INTERFACE = 127.0.0.1', `CACHE_QUERY_PORT = ${queryPort}`,
        'ENABLE_UDP_LISTENER = False', 'WHISPER_AUTOFLUSH = True', 'WHISPER_SPARSE_CREATE = True',
        'LOG_LISTENER_CONN_SUCCESS = False', 'LOG_UPDATES = False', '',
      ].join('\n'));
      writeFileSync(join(dir, 'storage-schemas.conf'), '[all]\npattern = .*\nretentions = 1s:1h,1m:7d,1h:5y\n');
      writeFileSync(join(dir, 'storage-aggregation.conf'), '[all]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n');
    },
    args: (dir) => [`--config=${join(dir, 'carbon.conf')}`, `--pidfile=${join(dir, 'carbon.pid')}`, '--debug', 'start'],
    ready: (s) => Promise.all([s.waitForOutput(new RegExp(`starting on ${picklePort}`)), s.waitForOutput(new RegExp(`starting on ${linePort}`))]).then(() => undefined),
  }, 20_000);
  const whisperDir = whisperDirOf(server.dir);

  const fetchPoints = async (metric: string, from: number, until: number): Promise<Array<[number, number]>> => {
    const file = join(whisperDir, ...metric.split('.')) + '.wsp';
    if (!existsSync(file)) return [];
    const out = await run('whisper-fetch', [`--from=${from}`, `--until=${until}`, file]);
    return out.split('\n').map((l) => l.split('\t')).filter(([, v]) => v !== undefined && v !== 'None').map(([t, v]) => [Number(t), Number(v)]);
  };

  async function sentinel(n: number): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const name = `brine_sentinel.s${process.pid}_${n}_${now}`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(linePort, '127.0.0.1', () => socket.end(`${name} 1 ${now}\n`));
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    const deadline = Date.now() + 10_000;
    const file = join(whisperDir, ...name.split('.')) + '.wsp';
    // carbon says nothing when it has written: poll for the file, then its point, under a deadline
    while (!existsSync(file) || (await fetchPoints(name, now - 1, now + 1)).length === 0) {
      if (Date.now() > deadline) throw new Error(`carbon did not write ${name} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  let sentinels = 0;

  /** Many metrics in one Python process with the whisper module (what whisper-fetch and graphite-web use). */
  const fetchMany = async (metrics: readonly string[], from: number, until: number): Promise<Map<string, Array<[number, number]>>> => {
    const files = metrics.map((m) => join(whisperDir, ...m.split('.')) + '.wsp');
    const script =
      'import sys,json,whisper\nout=[]\nfor f in json.loads(sys.argv[1]):\n  (s,e,step),vals=whisper.fetch(f,int(sys.argv[2]),int(sys.argv[3]))\n' +
      '  out.append([[s+i*step,v] for i,v in enumerate(vals) if v is not None])\nprint(json.dumps(out))';
    const present = files.filter((f) => existsSync(f));
    const got = present.length === 0 ? [] : (JSON.parse(await run('/usr/bin/python3', ['-c', script, JSON.stringify(present), String(from), String(until)])) as Array<Array<[number, number]>>);
    return new Map(metrics.map((m, i) => [m, got[present.indexOf(files[i] ?? '')] ?? []]));
  };

  return {
    linePort,
    picklePort,
    whisperDir,
    fetch: fetchPoints,
    fetchMany,
    async settle() {
      await sentinel(sentinels++);
      await sentinel(sentinels++);
    },
    stop: () => server.stop(),
  };
}
