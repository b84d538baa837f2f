/** A test server process (memcached, etcd, a private redis-server, carbon-cache, influxd): started with a private temp dir, stopped by its PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerProcess {
  readonly pid: number;
  /** The private temp dir (data, sockets), removed by stop(). */
  readonly dir: string;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves once the output matches `pattern` (waits on output events, no polling). */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** SIGTERM by PID, SIGKILL after 5 s; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  command: string;
  /** Writes what the server reads at start (config files) into its private dir. */
  prepare?: (dir: string) => void;
  args: (dir: string) => string[];
  /** Resolves once the server accepts clients (a log line, a socket that answers…). */
  ready: (server: ServerProcess) => Promise<void>;
  env?: (dir: string) => NodeJS.ProcessEnv;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts the server and waits (at most `timeoutMs`) until `ready` resolves; a server that exits first fails with its output. */
export async function startServerProcess(spec: ServerSpec, timeoutMs = 15_000): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `brine-${spec.name}-`));
  spec.prepare?.(dir);
  const child = spawn(spec.command, spec.args(dir), { stdio: ['ignore', 'pipe', 'pipe'], env: spec.env?.(dir) ?? process.env });
  let log = '';
  const waiters = new Set<{ pattern: RegExp; resolve: () => void }>();
  const onData = (chunk: Buffer): void => {
    // the tail is enough for failure messages; a chatty server (memcached -vv) must not grow it without end
    log = (log + chunk.toString()).slice(-65_536);
    for (const w of waiters) {
      if (!w.pattern.test(log)) continue;
      waiters.delete(w);
      w.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let stopping: Promise<void> | undefined;
  const server: ServerProcess = {
    get pid() {
      return child.pid ?? -1;
    },
    dir,
    output: () => log,
    waitForOutput: (pattern) =>
      pattern.test(log) ? Promise.resolve() : new Promise<void>((resolve) => waiters.add({ pattern, resolve })),
    stop() {
      stopping ??= (async () => {
        const done = exited(child);
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5_000);
        await done;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      spec.ready(server),
      exited(child).then(() => Promise.reject(new Error(`${spec.name} exited before it was ready: ${log.slice(-2000)}`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${spec.name} not ready within ${timeoutMs} ms: ${log.slice(-2000)}`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    await server.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return server;
}
