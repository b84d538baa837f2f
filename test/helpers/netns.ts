/**
 * Throwaway network namespaces for jump-host tests (root only; needs iproute2's `ip`).
 *
 *   const ns = await createNetns();                          // brt-<hex>, its own loopback up
 *   const sshd = await startSshd({ netns: ns.name });        // listens on 127.0.0.1 *inside* ns
 *   const bridge = await startNetnsBridge(ns.name, sshd.port); // 127.0.0.1:bridge.port here → inside ns
 *
 * The namespace has no link to this one: its 127.0.0.1 is its own, so a host inside it is reachable
 * only through the bridge (or an sshd inside it), never directly, and nothing leaves the machine.
 * Each bridged connection runs `ip netns exec <ns> node` as a relay; close() kills those (by PID) and
 * remove() deletes the namespace.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Netns {
  readonly name: string;
  remove(): Promise<void>;
}

export async function createNetns(): Promise<Netns> {
  const name = `brt-${randomBytes(4).toString('hex')}`;
  await run('ip', ['netns', 'add', name]);
  let removing: Promise<void> | undefined;
  const remove = () => (removing ??= run('ip', ['netns', 'del', name]).then(() => undefined));
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await remove();
    throw err;
  }
  return { name, remove };
}

export interface NetnsBridge {
  /** The port on 127.0.0.1 in this namespace. */
  readonly port: number;
  /** Bridged connections still open. */
  openConnections(): number;
  /** Resolves once no bridged connection is open (e.g. a jump chain was closed). */
  whenIdle(timeoutMs?: number): Promise<void>;
  /** Stops carrying bytes either way without closing anything: the peer goes silent. */
  freeze(): void;
  /** Stops listening and kills every relay; safe twice. */
  close(): Promise<void>;
}

// Runs inside the namespace: stdin/stdout ⇄ 127.0.0.1:<argv[1]>.
const RELAY = `const s = require('net').connect(Number(process.argv[1]), '127.0.0.1');
process.stdin.pipe(s); s.pipe(process.stdout);
s.on('error', () => process.exit(1)); s.on('close', () => process.exit(0));`;

export async function startNetnsBridge(netns: string, port: number): Promise<NetnsBridge> {
  const relays = new Map<Socket, ChildProcess>();
  const idleWaiters = new Set<() => void>();
  let isFrozen = false;
  const forget = (socket: Socket) => {
    relays.delete(socket);
    if (relays.size === 0) for (const wake of idleWaiters) wake();
  };
  const server = createServer((socket) => {
    const relay = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
    relays.set(socket, relay);
    socket.on('error', () => undefined);
    relay.stdin.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (!isFrozen) relay.stdin.write(chunk);
    });
    relay.stdout.on('data', (chunk: Buffer) => {
      if (!isFrozen) socket.write(chunk);
    });
    socket.on('end', () => relay.stdin.end());
    socket.on('close', () => relay.kill('SIGTERM'));
    relay.on('exit', () => {
      socket.destroy();
      forget(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('bridge has no TCP address');
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    openConnections: () => relays.size,
    whenIdle(timeoutMs = 10_000) {
      if (relays.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          idleWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(wake);
          reject(new Error(`bridge to ${netns}: ${relays.size} connection(s) still open after ${timeoutMs} ms`));
        }, timeoutMs);
        idleWaiters.add(wake);
      });
    },
    freeze: () => (isFrozen = true),
    close() {
      closing ??= (async () => {
        const exits = [...relays.values()].filter((r) => r.exitCode === null && r.signalCode === null).map((r) => once(r, 'exit'));
        for (const [socket, relay] of relays) {
          relay.kill('SIGTERM');
          socket.destroy();
        }
        await Promise.all(exits);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
