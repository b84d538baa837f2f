/**
 * A local HTTPS receiver for the notification returners' tests: a throw-away CA made with openssl in
 * a private temp dir, a node:https server on a free loopback port that hands each request to a
 * service emulator (test/helpers/chat-services.ts), counts connections, and can be stopped (live
 * connections cut: the "endpoint is down" case) and started again on the same port.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM file) a client must trust. */
  caFile: string;
  key: string;
  cert: string;
  cleanup(): void;
}

/** A CA and a server certificate for 127.0.0.1/localhost signed by it (EC P-256, valid 2 days). */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'brine-ca-'));
  const file = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=brine test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return {
    dir,
    caFile: file('ca.pem'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms when the body was complete. */
  at: number;
}

export interface ServiceAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A service emulator: checks one request as the real service does and answers as it does. */
export type Service = (req: ReceivedRequest) => ServiceAnswer;

export interface HttpsReceiver {
  readonly port: number;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  connections(): number;
  /** Stops listening and cuts every live connection. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): ServiceAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

export async function startHttpsReceiver(ca: TestCa, service: Service, port = 0): Promise<HttpsReceiver> {
  const sockets = new Set<Socket>();
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  let server: Server | undefined;
  let boundPort = port;

  const listen = async (): Promise<void> => {
    const s = createServer({ key: ca.key, cert: ca.cert, keepAliveTimeout: 5_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        requests.push(received);
        const answer = service(received);
        res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain; charset=utf-8' });
        res.end(answer.body);
      });
    });
    s.on('secureConnection', (socket: Socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    s.on('tlsClientError', () => undefined);
    s.listen(boundPort, '127.0.0.1');
    await once(s, 'listening');
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('https receiver: no port');
    boundPort = address.port;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    const closed = once(s, 'close');
    s.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `https://127.0.0.1:${boundPort}`;
    },
    requests,
    connections: () => connections,
    stop,
    start: listen,
    close: stop,
  };
}
