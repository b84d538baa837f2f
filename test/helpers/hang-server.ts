/** Loopback TCP helpers for unreachable-host tests: a listener that never speaks SSH, and a port with nothing on it. */
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';

export interface HangServer {
  readonly port: number;
  /** Destroys every accepted connection and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/** Accepts TCP connections on 127.0.0.1 and never sends an SSH banner (salt's "hang" host). */
export async function startHangServer(): Promise<HangServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = listeningPort(server.address());
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** A port on 127.0.0.1 that was free a moment ago: bound to port 0, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = listeningPort(server.address());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port with nothing listening, for "Connection refused". */
export function closedPort(): Promise<number> {
  return freePort();
}

function listeningPort(address: ReturnType<ReturnType<typeof createServer>['address']>): number {
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}
