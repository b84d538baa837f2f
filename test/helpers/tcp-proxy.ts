/** A loopback TCP proxy to MariaDB that a test can stop (cutting live connections) and restart on the same port. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  readonly port: number;
  /** Client connections accepted since creation. */
  accepted(): number;
  /** Resolves once clients have sent more than `bytes` in total (to cut a connection mid-query). */
  afterClientBytes(bytes: number): Promise<void>;
  clientBytes(): number;
  /** Stops listening and destroys every live connection (the "server went away" case). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort = 3306, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let sent = 0;
  const watchers = new Set<{ bytes: number; resolve: () => void }>();
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      accepted++;
      const upstream = connect(targetPort, targetHost);
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        sock.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        for (const w of watchers) {
          if (sent > w.bytes) {
            watchers.delete(w);
            w.resolve();
          }
        }
      });
      client.pipe(upstream).on('error', () => client.destroy());
      upstream.pipe(client).on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    const addr = s.address();
    if (addr && typeof addr === 'object') port = addr.port;
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of sockets) sock.destroy();
    await closed;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    accepted: () => accepted,
    clientBytes: () => sent,
    afterClientBytes: (bytes) => new Promise<void>((resolve) => watchers.add({ bytes, resolve })),
    stop,
    start: listen,
    close: stop,
  };
}
