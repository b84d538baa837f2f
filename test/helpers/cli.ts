/**
 * Runs the built CLI as a user would: `node bin/salt-ssh.js …` in a child process, with a
 * throwaway config dir (its own cachedir) so tests never touch /etc/salt or /var/cache/salt.
 * With BRINE_BIN_DIR set (npm run test:binary), the single binary in that directory instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { BinName } from '../../src/cli/run-bin.js';
import { closedPort, type SshdHarness } from './sshd.js';

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

/** The single binary's directory when the suite runs against it (scripts/test-binary.sh). */
export const BIN_DIR = process.env['BRINE_BIN_DIR'] || undefined;

/** What to spawn for `bin`: the single binary, or this node running bin/<bin>.js. */
export function cliCommand(bin: BinName): { file: string; args: string[] } {
  return BIN_DIR === undefined ? { file: process.execPath, args: [join(ROOT, 'bin', `${bin}.js`)] } : { file: join(BIN_DIR, bin), args: [] };
}

/** Starts the CLI; the caller waits on `done`. */
export function startCli(bin: BinName, args: readonly string[], options: CliOptions = {}) {
  const command = cliCommand(bin);
  const child: ChildProcess = spawn(command.file, [...command.args, ...args], {
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

export function runCli(bin: BinName, args: readonly string[], options: CliOptions = {}) {
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

/** The jid from salt's `-v` banner (message, 43 dashes, two empty lines); throws when it is missing. */
export function bannerJid(stdout: string): string {
  const match = /^Executing job with jid (\d{20})\n-{43}\n\n\n/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`no -v banner in: ${stdout}`);
  return match[1];
}

/** Roster entries `node1` (the harness sshd) and `refused` (a closed port), written into the harness dir. */
export async function writeGoodAndRefusedRoster(sshd: SshdHarness): Promise<string> {
  const file = join(sshd.dir, 'mixed-roster.yaml');
  writeFileSync(
    file,
    `node1:\n  host: 127.0.0.1\n  port: ${sshd.port}\n  user: ${sshd.user}\n  priv: ${sshd.clientKey}\n` +
      `refused:\n  host: 127.0.0.1\n  port: ${await closedPort()}\n  priv: ${sshd.clientKey}\n`,
  );
  return file;
}
