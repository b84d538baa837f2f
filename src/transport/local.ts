import { spawn } from 'node:child_process';
import type { ExecOptions, ExecResult, Session, Transport } from './types.js';

/** Runs module commands on this machine with /bin/sh, through the same module code as SSH (`connection: local`). */
export const localTransport: Transport = {
  connect() {
    return Promise.resolve(localSession);
  },
};

const localSession: Session = {
  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve) => {
      // A process group of its own, so a timeout kills the command's children too.
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      const onAbort = () => kill();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => {});
      child.on('error', (err) => {
        stderr.push(Buffer.from(err.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const result: ExecResult = {
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode: code,
          timedOut,
        };
        if (signal) result.signal = signal;
        resolve(result);
      });
      child.stdin.end(options.stdin ?? '');
    });
  },
  close() {},
};
