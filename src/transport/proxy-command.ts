import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

/** Bytes of the command's stderr kept for the host's error text. */
const STDERR_KEPT = 4096;
/** How long a command that closed its stdout may take to exit before its status is left out of the error. */
const EXIT_WAIT_MS = 1000;

/** A running ProxyCommand (ssh_config): its stdin/stdout are the SSH connection's socket. */
export interface ProxyCommand {
  readonly socket: Duplex;
  /**
   * Ends the command and says what it wrote on stderr (its last 4 KiB) and how it ended, for the host's
   * error text. A command that already closed its stdout is given a moment to exit with its own status.
   */
  stopAfterFailure(): Promise<string>;
  /** Ends the command's stdin and kills its process group; safe twice. */
  close: () => void;
}

/** Runs `/bin/sh -c command` in its own process group, as ssh runs a ProxyCommand (with `exec`, one process to kill). */
export function spawnProxyCommand(command: string): ProxyCommand {
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  let ended: string | undefined;
  let isStdoutDone = false;
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  // The SSH side owns the stream's life: a broken pipe to a command that died shows up as the connection closing.
  child.stdin.on('error', () => undefined);

  const socket = new Duplex({
    read() {
      child.stdout.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (child.stdin.destroyed) return callback();
      child.stdin.write(chunk, () => callback());
    },
    final(callback) {
      child.stdin.end();
      callback();
    },
    destroy(err, callback) {
      kill();
      callback(err);
    },
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (!socket.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => {
    isStdoutDone = true;
    socket.push(null);
  });
  child.on('error', (err) => {
    ended = `cannot run: ${err.message}`;
    socket.destroy(err);
  });
  child.on('close', (code, signal) => {
    ended = code === null ? `killed by ${signal ?? 'a signal'}` : `exit status ${code}`;
    // Closing the socket is what tells ssh2 the connection is gone.
    socket.destroy();
  });

  const kill = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    try {
      process.kill(-child.pid, 'SIGTERM'); // the group this spawn created, so a pipeline in the command goes too
    } catch {
      child.kill('SIGTERM');
    }
  };

  return {
    socket,
    async stopAfterFailure() {
      if (isStdoutDone && ended === undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WAIT_MS)))]);
        clearTimeout(timer);
      }
      socket.destroy();
      const said = stderr.trim().replace(/\s*\n\s*/g, '; ');
      return `ProxyCommand ${ended ?? 'still running'}${said ? `: ${said}` : ''}`;
    },
    close: () => socket.destroy(),
  };
}
