/**
 * Runs the built CLI as a user would: `node bin/salt-ssh.js …` in a child process, with a
 * throwaway config dir (its own cachedir) so tests never touch /etc/salt or /var/cache/salt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Starts the CLI; the caller waits on `done`. */
export function startCli(bin: 'salt-ssh' | 'salt-run', args: readonly string[], options: CliOptions = {}) {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', `${bin}.js`), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', CI: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, output: () => stdout };
}

export function runCli(bin: 'salt-ssh' | 'salt-run', args: readonly string[], options: CliOptions = {}) {
  return startCli(bin, args, options).done;
}

/** A config dir whose master file sets a private cachedir, plus any other master options. */
export function makeConfigDir(opts: Record<string, unknown> = {}): { dir: string; cachedir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'brine-cfg-'));
  const cachedir = join(dir, 'cache');
  mkdirSync(cachedir);
  writeFileSync(join(dir, 'master'), stringify({ cachedir, ...opts }));
  return { dir, cachedir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves when `predicate(stdout)` holds, or rejects after `timeoutMs`. */
export function waitForOutput(cli: ReturnType<typeof startCli>, predicate: (out: string) => boolean, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(cli.output())) {
        clearTimeout(timer);
        cli.child.stdout?.off('data', check);
        resolve();
      }
    };
    const timer = setTimeout(() => reject(new Error(`output never matched; got: ${cli.output()}`)), timeoutMs);
    cli.child.stdout?.on('data', check);
    check();
  });
}
