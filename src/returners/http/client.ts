/**
 * The one HTTP(S) client of the notification returners (slack, slack_webhook, mattermost, telegram,
 * pushover, splunk): node:https/node:http with a keep-alive Agent per returner (a batch of messages
 * costs one TLS handshake), a connect deadline and a response deadline per request, an optional CA
 * file added to Node's roots (or no verification, splunk's `verify_ssl: False`), and a count of the
 * connections opened (bench/notify-http.ts). `NODE_EXTRA_CA_CERTS` works too when no CA file is set.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { ConfigError } from '../../errors.js';
import { ReturnerError } from '../failure.js';

export interface HttpClientOptions {
  /** The returner's name, first in every error: `telegram: …`. */
  name: string;
  /** A PEM file of CAs to trust besides Node's roots, and the config key that named it (for errors). */
  caFile?: { path: string; key: string } | undefined;
  /** false: no certificate check at all (splunk's `verify_ssl: False`). */
  verify?: boolean;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpClient {
  /** Resolves with any HTTP answer; rejects (transient or returner scope) only when there is none. */
  request(req: HttpRequest): Promise<HttpAnswer>;
  connectionsOpened(): number;
  close(): void;
}

export const CONNECT_TIMEOUT_MS = 4_000;
/** Below the forwarder's 8 s per-call deadline, so the returner's own error (naming the host) is the one reported. */
export const RESPONSE_TIMEOUT_MS = 6_000;
/** Services answer with a short status document; more than this is not read. */
const MAX_BODY_BYTES = 1024 * 1024;
/** TLS errors no retry can fix: the certificate is not trusted, expired, or for another name. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_TLS|HOSTNAME|ALTNAME/;

/**
 * Node's roots plus the file's CAs, as one context built once: passing them as the Agent's `ca` list
 * costs ~15 ms per request (the agent keys its pool on the whole list), 5x a local request.
 */
function readCa(caFile: { path: string; key: string }): SecureContext {
  try {
    const pem = readFileSync(caFile.path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return createSecureContext({ ca: [...rootCertificates, pem] });
  } catch (err) {
    throw new ConfigError(`${caFile.key}: cannot read CA file ${caFile.path}: ${(err as Error).message}`);
  }
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { name } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const responseTimeoutMs = options.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
  const secureContext = options.caFile === undefined ? undefined : readCa(options.caFile);
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    rejectUnauthorized: options.verify !== false,
    ...(secureContext === undefined ? {} : { secureContext }),
  });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const seen = new WeakSet<Socket>();
  let opened = 0;

  const fail = (url: URL, err: NodeJS.ErrnoException): ReturnerError => {
    const where = `${name}: ${url.protocol}//${url.host}`;
    const code = err.code ?? '';
    if (TLS_CODES.test(code) || TLS_CODES.test(err.message)) {
      const hint = options.caFile === undefined ? ` (trust its CA with ${name}'s ca_file)` : '';
      return new ReturnerError('returner', `${where}: TLS: ${err.message}${hint}`, { cause: err });
    }
    return new ReturnerError('transient', `${where}: ${err.message}`, { cause: err });
  };

  function send(req: HttpRequest): Promise<HttpAnswer & { reused: boolean }> {
    const { url } = req;
    const isHttps = url.protocol === 'https:';
    const body = req.body ?? '';
    return new Promise((resolve, reject) => {
      const lib = isHttps ? https : http;
      const headers = { ...req.headers, ...(req.method === 'POST' ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
      const r = lib.request(url, { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent });
      const timeout = (what: string, ms: number) => Object.assign(new Error(`no ${what} within ${ms / 1000}s`), { code: 'ETIMEDOUT' });
      const responseTimer = setTimeout(() => r.destroy(timeout('answer', responseTimeoutMs)), responseTimeoutMs);
      let connectTimer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(responseTimer);
        clearTimeout(connectTimer);
      };
      r.on('socket', (socket: Socket) => {
        if (!seen.has(socket)) {
          seen.add(socket);
          opened++;
        }
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => r.destroy(timeout('connection', connectTimeoutMs)), connectTimeoutMs);
        socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        done();
        reject(Object.assign(err, { reused: r.reusedSocket }));
      });
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        res.on('error', (err) => {
          done();
          reject(err);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reused: r.reusedSocket });
        });
      });
      r.end(body);
    });
  }

  return {
    async request(req) {
      try {
        const { reused: _, ...answer } = await send(req);
        return answer;
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { reused?: boolean };
        // a kept-alive socket the server closed while idle: Node's documented case for one retry
        if (e.reused === true && e.code === 'ECONNRESET') {
          try {
            const { reused: _, ...answer } = await send(req);
            return answer;
          } catch (again) {
            throw fail(req.url, again as NodeJS.ErrnoException);
          }
        }
        throw fail(req.url, e);
      }
    },
    connectionsOpened: () => opened,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
