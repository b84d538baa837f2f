import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalCache } from '../../../src/jobcache/local-cache.js';
import { exitSuccess, lookupJid } from '../../../src/runners/jobs.js';

const root = resolve(import.meta.dirname, '../../..');
const FIXED = Date.UTC(2026, 10, 28, 17, 18, 5, 987);
let buildDir: string | undefined;
let cacheUrl: string;
let dir: string | undefined;

/** Compiles the cache alone (others' files may not build yet), inside the project so its imports resolve. */
beforeAll(async () => {
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  buildDir = mkdtempSync(join(root, 'node_modules', '.cache', 'brine-jobcache-test-'));
  await promisify(execFile)(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'), '--outDir', buildDir, '--rootDir', join(root, 'src'),
    '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck',
    '--types', 'node', join(root, 'src/jobcache/local-cache.ts'),
  ], { cwd: root });
  cacheUrl = pathToFileURL(join(buildDir, 'jobcache/local-cache.js')).href;
  dir = mkdtempSync(join(tmpdir(), 'brine-procs-'));
});
afterAll(() => {
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  nextLine(timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A node process running `body` with `openLocalCache` imported from the build and `file` defined. */
function startChild(file: string, body: string): Child {
  const code = `import { openLocalCache } from ${JSON.stringify(cacheUrl)};\nconst file = ${JSON.stringify(file)};\n${body}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code]);
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.on('exit', (code, signal) => res({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    nextLine(timeoutMs = 20_000) {
      const queued = lines.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`child gave no line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push((line) => {
          clearTimeout(timer);
          res(line);
        });
        void exited.then(() => setTimeout(() => rej(new Error(`child exited; stderr: ${stderr}`)), 50));
      });
    },
  };
}

/** Children print `ready`, wait for stdin to close, then work; closing all stdins starts them together. */
const AFTER_GO = `process.stdout.write('ready\\n'); process.stdin.resume(); await new Promise((r) => process.stdin.on('end', r));`;

async function startTogether(children: Child[]): Promise<void> {
  for (const line of await Promise.all(children.map((c) => c.nextLine()))) expect(line).toBe('ready');
  for (const child of children) child.proc.stdin.end();
}

describe('the job cache across processes', () => {
  it('gives 4 processes reserving 200 jids each at the same instant 800 distinct jids', async () => {
    const file = join(dir as string, 'jids.sqlite');
    const children = Array.from({ length: 4 }, () =>
      startChild(file, `const cache = openLocalCache(file);\n${AFTER_GO}
        const jids = [];
        for (let i = 0; i < 200; i++) jids.push(await cache.prepJid(new Date(${FIXED})));
        await cache.close();
        process.stdout.write(JSON.stringify(jids) + '\\n');`),
    );
    await startTogether(children);
    const all = (await Promise.all(children.map((c) => c.nextLine(60_000)))).flatMap((l) => JSON.parse(l) as string[]);
    for (const c of children) expect((await c.exited).code).toBe(0);
    expect(all).toHaveLength(800);
    expect(new Set(all).size).toBe(800);
    for (const jid of all) expect(jid).toMatch(/^2026112817180\d{7}$/);
  });

  it('keeps every return when two processes write to the same job at once', async () => {
    const file = join(dir as string, 'writers.sqlite');
    const cache = openLocalCache(file);
    const jid = await cache.prepJid(new Date());
    const minions = Array.from({ length: 400 }, (_, i) => `${i < 200 ? 'a' : 'b'}${i % 200}`);
    await cache.saveLoad({ load: { jid, fun: 'test.ping', arg: [], tgt: '*', tgt_type: 'glob', user: 'root' }, minions, startedAt: Date.now() }, ['mysql']);
    const writers = ['a', 'b'].map((prefix) =>
      startChild(file, `const cache = openLocalCache(file);\n${AFTER_GO}
        for (let i = 0; i < 200; i++) {
          await cache.saveReturn({ id: '${prefix}' + i, jid: '${jid}', fun: 'test.ping', fun_args: [], return: true, retcode: 0, success: true, _stamp: new Date().toISOString() }, ['mysql']);
        }
        await cache.close();`),
    );
    await startTogether(writers);
    for (const w of writers) expect(await w.exited).toEqual({ code: 0, signal: null });
    const returns = await cache.getJid(jid);
    expect(Object.keys(returns).sort()).toEqual([...minions].sort());
    expect(await cache.listPending('mysql')).toEqual([{ returner: 'mysql', count: 401, oldestJid: jid }]);
    await cache.close();
  });

  it('keeps the returns that arrived before a SIGKILL; lookup_jid missing=True shows the rest', async () => {
    const file = join(dir as string, 'killed.sqlite');
    const child = startChild(file, `const cache = openLocalCache(file);
      const jid = await cache.prepJid(new Date());
      const minions = ['node1', 'node2', 'node3', 'node4', 'node5'];
      await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['uptime'], tgt: 'node*', tgt_type: 'glob', user: 'root' }, minions, startedAt: Date.now(), pid: process.pid });
      for (const id of ['node2', 'node4']) {
        await cache.saveReturn({ id, jid, fun: 'cmd.run', fun_args: ['uptime'], return: 'up ' + id, retcode: 0, success: true, _stamp: new Date().toISOString() });
      }
      process.stdout.write(jid + '\\n');
      setInterval(() => {}, 1 << 30);`);
    const jid = await child.nextLine();
    const cache = openLocalCache(file);
    const ctx = { cache, opts: {}, now: () => new Date() };
    expect((await cache.activeJobs()).map((j) => j.load.jid)).toEqual([jid]);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(Object.keys(await cache.getJid(jid))).toEqual(['node2', 'node4']);
    const looked = await lookupJid.run([jid], { missing: true }, ctx);
    expect(looked.data).toEqual({
      node2: 'up node2',
      node4: 'up node4',
      node1: 'Minion did not return',
      node3: 'Minion did not return',
      node5: 'Minion did not return',
    });
    expect(await cache.activeJobs()).toEqual([]);
    const success = await exitSuccess.run([jid], {}, ctx);
    expect(success).toEqual({ data: { node2: true, node4: true, node1: false, node3: false, node5: false }, exitCode: 20 });
    await cache.close();
  });
});
