import { spawn } from 'node:child_process';
import { createExecOutput } from './exec-output.js';
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
      let timedOut = false;
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      // No pty here: sudo reads the password from stdin (-S) and prompts on stderr.
      const output = createExecOutput(
        { ...options, pty: false },
        {
          sendStdin: () => child.stdin.end(options.stdin ?? ''),
          write: (data) => child.stdin.write(data),
          giveUp: () => child.stdin.end(),
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      const onAbort = () => kill();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => output.stdout(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.stderr(chunk));
      child.stdin.on('error', () => {});
      child.on('error', (err) => {
        output.stderr(Buffer.from(err.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(output.result({ exitCode: code, timedOut, ...(signal ? { signal } : {}) }));
      });
      output.begin();
    });
  },
  close() {},
};
