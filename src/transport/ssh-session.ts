import type { Client, ClientChannel } from 'ssh2';
import { createExecOutput } from './exec-output.js';
import type { Ssh2Internals } from './ssh2-internals.js';
import { TransportError, type ExecOptions, type ExecResult, type HostTarget, type Session } from './types.js';

/** How long a closed channel may take to confirm before the whole connection is dropped. */
const CLOSE_GRACE_MS = 2000;

/** Wraps a ready ssh2 client (type-only import here; ssh.ts is the one that loads ssh2). */
export function createSession(client: Client, target: HostTarget, internals: Ssh2Internals): Session {
  let isClosed = false;
  // Each running command's reaction to the connection going away under it.
  const running = new Set<() => void>();
  client.on('close', () => {
    isClosed = true;
    for (const onConnectionGone of running) onConnectionGone();
  });
  const end = () => {
    try {
      client.end();
    } catch {
      // already gone
    }
  };
  return {
    exec(command, options) {
      if (isClosed) {
        return Promise.reject(new TransportError('closed', `Connection to ${target.host} port ${target.port} is closed`));
      }
      const failed = (err: Error) =>
        new TransportError('closed', `${target.host} port ${target.port}: cannot run a command: ${err.message}`, { cause: err });
      const dropConnection = () => {
        isClosed = true;
        client.destroy();
      };
      return new Promise((resolve, reject) => {
        try {
          client.exec(command, options.pty ? { pty: true } : {}, (err, channel) => {
            if (err) reject(failed(err));
            else collect(channel, options, { running, dropConnection, internals }).then(resolve, reject);
          });
        } catch (err) {
          reject(failed(err as Error)); // ssh2 throws synchronously once the socket is gone
        }
      });
    },
    close() {
      isClosed = true;
      end();
    },
  };
}

/** What a running command shares with its connection. */
interface ConnectionHooks {
  /** Each running command's reaction to the connection going away under it. */
  running: Set<() => void>;
  dropConnection: () => void;
  internals: Ssh2Internals;
}

/** Gathers one command's output; finished when the channel closes, not on 'exit'. */
function collect(channel: ClientChannel, options: ExecOptions, { running, dropConnection, internals }: ConnectionHooks): Promise<ExecResult> {
  return new Promise((resolve) => {
    let exitCode: number | null = null;
    let exitSignal: string | undefined;
    let timedOut = false;
    let connectionLost = false;
    let grace: NodeJS.Timeout | undefined;
    let isDone = false;
    const output = createExecOutput(options, {
      // Over a pty, EOF never reaches the command (as with ssh -t), and an ended channel cannot be signalled.
      sendStdin: () => {
        if (!options.pty) channel.end(options.stdin ?? '');
        else if (options.stdin !== undefined) channel.write(options.stdin);
      },
      write: (data) => channel.write(data),
      // Without a pty, EOF makes sudo give up by itself; a pty has no EOF to send.
      giveUp: () => (options.pty ? stop() : channel.end()),
    });

    const done = () => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      clearTimeout(grace);
      running.delete(onConnectionGone);
      options.signal?.removeEventListener('abort', stop);
      const status = { exitCode, timedOut, connectionLost, ...(exitSignal === undefined ? {} : { signal: exitSignal }) };
      resolve(output.result(status));
    };
    // Not brine's own doing (no timeout, no abort) and no exit status: the command's fate is unknown.
    function onConnectionGone() {
      if (grace === undefined && exitCode === null && exitSignal === undefined) connectionLost = true;
      done();
    }
    function stop() {
      if (isDone || grace) return;
      try {
        sendKill(channel, internals);
        channel.close();
      } catch {
        // the channel is already closing
      }
      // sshd holds a channel open until its process exits; drop the connection rather than wait.
      grace = setTimeout(() => {
        dropConnection();
        done();
      }, CLOSE_GRACE_MS);
    }

    running.add(onConnectionGone);
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', stop, { once: true });

    channel.on('data', (chunk: Buffer) => output.stdout(chunk));
    channel.stderr.on('data', (chunk: Buffer) => output.stderr(chunk));
    channel.on('exit', (code: number | null, signal?: string) => {
      exitCode = typeof code === 'number' ? code : null;
      if (signal) exitSignal = signal;
    });
    channel.on('close', done);
    channel.on('error', () => {});
    output.begin();
    if (options.signal?.aborted) stop();
  });
}

/** sshd kills the command's process group on a `signal` request, which frees the channel at once. */
function sendKill(channel: ClientChannel, internals: Ssh2Internals): void {
  if (channel.writable) channel.signal('KILL');
  else internals.signalAfterEof(channel, 'KILL'); // Channel.signal() is a no-op once stdin is ended
}
