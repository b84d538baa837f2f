/** A private ssh-agent for tests: started in the foreground (`-D`) so it is our child, stopped by its PID. */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);

export interface SshAgent {
  /** The agent's socket, for SSH_AUTH_SOCK / ConnectOptions.agentSocket. */
  readonly socket: string;
  readonly pid: number;
  /** Kills the agent by its PID and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts `ssh-agent -D -a <dir>/agent.sock` and `ssh-add`s the given unencrypted keys. */
export async function startSshAgent(dir: string, keys: string[]): Promise<SshAgent> {
  const socket = join(dir, `agent-${process.pid}-${Date.now()}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    // -D prints the SSH_AUTH_SOCK line once the socket is bound.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ssh-agent did not start within 10 s')), 10_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.includes('SSH_AUTH_SOCK')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ssh-agent exited (${code})`));
      });
    });
    for (const key of keys) await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  } catch (err) {
    await stop();
    throw err;
  }
  if (child.pid === undefined) throw new Error('ssh-agent has no pid');
  return { socket, pid: child.pid, stop };
}
