/**
 * A loopback TCP proxy that adds latency in front of a server (netem is not available here), for tests
 * and the bench's latency lab:
 *
 *   const lab = await startLatencyProxy({ targetPort: sshd.port, oneWayDelayMs: 50, groups: 10 });
 *   // lab.ports: one listening port per simulated host group; every byte takes 50 ms each way
 *
 * The TCP handshake is emulated: the upstream connection is opened 3 × D after the client's, so the
 * server's first bytes (the SSH banner) reach the client after 2 round trips, as over a real link.
 * `slowAfterBanner` passes the server's first line at once and delays the rest by that much;
 * `silentAfterBanner` passes the first line and nothing after it (a server that hangs in key exchange).
 * Only 127.0.0.1; close() destroys every connection and stops listening.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface LatencyProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** One-way delay D, each direction. */
  oneWayDelayMs: number;
  /** Listening ports (simulated host groups); default 1. */
  groups?: number;
  /** Emulate TCP's round trip before the server can speak (default true). */
  emulateTcpHandshake?: boolean;
  slowAfterBanner?: number;
  silentAfterBanner?: boolean;
}

export interface LatencyProxy {
  readonly ports: number[];
  /** The first group's port. */
  readonly port: number;
  /** Client connections accepted so far, over all groups. */
  accepted(): number;
  /** Resolves once `n` connections have been accepted. */
  whenAccepted(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const waiters = new Set<{ n: number; resolve: () => void }>();
  let accepted = 0;
  const delay = options.oneWayDelayMs;
  const connectDelay = options.emulateTcpHandshake === false ? 0 : 3 * delay;
  const track = (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
  };

  const onClient = (client: Socket) => {
    track(client);
    accepted += 1;
    for (const waiter of waiters) {
      if (accepted < waiter.n) continue;
      waiters.delete(waiter);
      waiter.resolve();
    }
    client.setNoDelay(true);
    let upstream: Socket | undefined;
    const pending: Buffer[] = [];
    let clientEnded = false;
    // Timers of equal duration fire in the order they were set, so delayed chunks keep their order.
    const later = (ms: number, fn: () => void) => (ms <= 0 ? fn() : void setTimeout(fn, ms));
    client.on('data', (chunk: Buffer) =>
      later(delay, () => {
        if (upstream === undefined) pending.push(chunk);
        else if (!upstream.destroyed) upstream.write(chunk);
      }),
    );
    client.on('end', () => later(delay, () => (upstream === undefined ? (clientEnded = true) : upstream.end())));
    client.on('close', () => later(delay, () => upstream?.destroy()));

    later(connectDelay, () => {
      if (client.destroyed) return;
      const up = connect(options.targetPort, options.targetHost ?? '127.0.0.1');
      upstream = up;
      track(up);
      up.setNoDelay(true);
      for (const chunk of pending.splice(0)) up.write(chunk);
      if (clientEnded) up.end();
      let isBannerSent = false;
      up.on('data', (chunk: Buffer) => {
        let rest = chunk;
        if (!isBannerSent && (options.slowAfterBanner !== undefined || options.silentAfterBanner === true)) {
          const newline = chunk.indexOf(0x0a);
          if (newline === -1) return later(delay, () => client.write(chunk));
          isBannerSent = true;
          const banner = chunk.subarray(0, newline + 1);
          later(delay, () => client.write(banner));
          rest = chunk.subarray(newline + 1);
          if (rest.length === 0) return;
        }
        if (isBannerSent && options.silentAfterBanner === true) return;
        const ms = isBannerSent && options.slowAfterBanner !== undefined ? options.slowAfterBanner : delay;
        later(ms, () => !client.destroyed && client.write(rest));
      });
      up.on('end', () => later(delay, () => client.end()));
      up.on('close', () => later(delay, () => client.destroy()));
    });
  };

  try {
    for (let i = 0; i < Math.max(1, options.groups ?? 1); i += 1) {
      const server = createServer(onClient);
      server.listen(0, '127.0.0.1');
      servers.push(server);
      await once(server, 'listening');
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('latency proxy has no TCP address');
    return address.port;
  });
  let closing: Promise<void> | undefined;
  return {
    ports,
    port: ports[0] as number,
    accepted: () => accepted,
    whenAccepted: (n) => (accepted >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.add({ n, resolve }))),
    close() {
      closing ??= Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      ).then(() => undefined);
      for (const sock of sockets) sock.destroy();
      return closing;
    },
  };
}
