/** Runs one whole process under GNU time: wall, user+sys CPU (children included) and peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface ProcessMeasure {
  exitCode: number;
  wallSec: number;
  /** user + sys of the process and every child it waited for (getrusage RUSAGE_CHILDREN). */
  cpuSec: number;
  userSec: number;
  sysSec: number;
  /** Peak RSS in MiB of the largest single process in the tree (what GNU time's %M reports). */
  maxRssMiB: number;
  /** stdout, when `captureStdout` was set. */
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  captureStdout?: boolean;
  timeoutMs: number;
}

/** Spawns `time -f … -o FILE cmd args`; stdout goes to a file so a 5,000-host output never sits in a pipe. */
export function measureProcess(cmd: string, args: readonly string[], options: MeasureOptions): Promise<ProcessMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-m-'));
  const timeFile = join(dir, 'time');
  const outFile = join(dir, 'stdout');
  const outFd = openSync(outFile, 'w');
  const child = spawn(GNU_TIME, ['-f', '%e %U %S %M %x', '-o', timeFile, cmd, ...args], {
    stdio: ['ignore', outFd, 'pipe'],
    env: options.env ?? process.env,
  });
  closeSync(outFd);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep the tail only: pssh or a failing run can be chatty.
    stderr = (stderr + chunk).slice(-20_000);
  });
  return new Promise<ProcessMeasure>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (signal !== null) throw new Error(`${cmd} ${args.join(' ')}: killed by ${signal} (timeout ${options.timeoutMs} ms?); stderr: ${stderr.slice(-2000)}`);
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const fields = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        const [wall = NaN, user = NaN, sys = NaN, rssKiB = NaN, exit = code ?? NaN] = fields;
        resolve({
          exitCode: exit,
          wallSec: wall,
          cpuSec: round(user + sys),
          userSec: user,
          sysSec: sys,
          maxRssMiB: round(rssKiB / 1024, 1),
          stdout: options.captureStdout ? readFileSync(outFile, 'utf8') : '',
          stderr,
        });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
