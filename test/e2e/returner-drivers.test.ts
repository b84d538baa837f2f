/**
 * The built bundle in an install without mysql2 (a copy of bin/ and dist/bundle/ whose node_modules
 * links every package but mysql2): runs without `--return` never load the driver, and `--return mysql`
 * is one line, exit 78, before any host runs.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCacheFile, openLocalCache } from '../../src/jobcache/local-cache.js';
import { makeConfigDir, ROOT } from '../helpers/cli.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(app: string, bin: string, args: readonly string[]): Promise<Result> {
  const child = spawn(process.execPath, [join(app, 'bin', `${bin}.js`), ...args], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not finish in 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a returner whose driver is not installed (built bundle)', () => {
  let app: string;
  let cfg: ReturnType<typeof makeConfigDir>;
  let roster: string;

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'brine-nodriver-'));
    cpSync(join(ROOT, 'bin'), join(app, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist', 'bundle'), join(app, 'dist', 'bundle'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    mkdirSync(join(app, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name !== 'mysql2') symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
    }
    cfg = makeConfigDir();
    roster = join(cfg.dir, 'roster.yaml');
    writeFileSync(roster, 'h1:\n  connection: local\nh2:\n  connection: local\n');
  });
  afterAll(() => {
    cfg.cleanup();
    rmSync(app, { recursive: true, force: true });
  });

  it('runs a job without --return: the bundle loads mysql2 only for a mysql returner', async () => {
    const res = await run(app, 'salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '*', 'test.ping', '--out', 'json', '--static']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ h1: true, h2: true });
  });

  it('--return mysql is one line, exit 78, and no job runs', async () => {
    const cache = openLocalCache(localCacheFile({ cachedir: cfg.cachedir }));
    const before = (await cache.getJobs({})).length;
    await cache.close();
    const res = await run(app, 'salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '*', 'test.ping', '--return', 'mysql']);
    expect(res.stderr).toBe('salt-ssh: error: Returner mysql is unavailable: the mysql2 package is not installed\n');
    expect(res.code).toBe(78);
    expect(res.stdout).toBe('');
    const after = openLocalCache(localCacheFile({ cachedir: cfg.cachedir }));
    expect((await after.getJobs({})).length).toBe(before);
    await after.close();
  });
});
