/**
 * etcd's v2 keys API over node:http(s) with a keep-alive agent, for the etcd returner. Each request
 * has a deadline (connect 4 s, whole request 7 s); etcd's error answers keep their errorCode so the
 * returner can tell a missing key, a failed compare-and-swap, a refused key and bad credentials apart.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface EtcdNode {
  key: string;
  value?: string;
  dir?: boolean;
  nodes?: EtcdNode[];
}

export interface EtcdEndpoint {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM contents: any of them set means https, as salt's etcd_util does. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
}

/** An answer etcd gave with an errorCode (100 key not found, 101 compare failed, 104 not a directory, 110 auth…). */
export class EtcdReplyError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: number | undefined,
  ) {
    super(message);
    this.name = 'EtcdReplyError';
  }
}

export const ETCD_DEADLINES = { connectMs: 4_000, requestMs: 7_000 };
/** Requests in flight at once: enough to keep one etcd busy, few enough to stay a polite client. */
export const ETCD_MAX_SOCKETS = 16;

export interface EtcdV2Client {
  readonly label: string;
  get(key: string, query?: Record<string, string>): Promise<EtcdNode | undefined>;
  put(key: string, form: Record<string, string>): Promise<void>;
  delete(key: string, query: Record<string, string>): Promise<void>;
  close(): void;
}

function keyPath(key: string): string {
  return `/v2/keys${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function openEtcdV2(endpoint: EtcdEndpoint, deadlines = ETCD_DEADLINES): EtcdV2Client {
  const secure = endpoint.tls !== undefined;
  const label = `etcd ${endpoint.host}:${endpoint.port}`;
  const agentOptions = { keepAlive: true, maxSockets: ETCD_MAX_SOCKETS };
  const agent = secure ? new HttpsAgent({ ...agentOptions, ...endpoint.tls }) : new HttpAgent(agentOptions);
  const auth = endpoint.username !== undefined ? `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password ?? ''}`).toString('base64')}` : undefined;

  function send(method: string, key: string, query: Record<string, string>, form?: Record<string, string>): Promise<{ status: number; body: string }> {
    const qs = new URLSearchParams(query).toString();
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string | number> = {};
    if (auth) headers['authorization'] = auth;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const path = `${keyPath(key)}${qs ? `?${qs}` : ''}`;
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)({ host: endpoint.host, port: endpoint.port, method, path, headers, agent });
      const fail = (message: string): void => {
        clearTimeout(whole);
        clearTimeout(connecting);
        req.destroy();
        reject(new Error(message));
      };
      const whole = setTimeout(() => fail(`no answer within ${deadlines.requestMs / 1000}s`), deadlines.requestMs);
      let connecting: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connecting = setTimeout(() => fail(`no connection within ${deadlines.connectMs / 1000}s`), deadlines.connectMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ? `${err.code} (${err.message})` : err.message));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(err.message));
        res.on('end', () => {
          clearTimeout(whole);
          clearTimeout(connecting);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(body);
    });
  }

  async function call(method: string, key: string, query: Record<string, string>, form?: Record<string, string>): Promise<EtcdNode | undefined> {
    const { status, body } = await send(method, key, query, form);
    let parsed: { node?: EtcdNode; errorCode?: number; message?: string; cause?: string } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // etcd answers JSON; anything else (a proxy's page, "401 Unauthorized") is reported by status
    }
    if (status >= 200 && status < 300) return parsed.node;
    const what = parsed.message ? `${parsed.message}${parsed.cause ? ` (${parsed.cause})` : ''}` : body.trim().slice(0, 200) || `HTTP ${status}`;
    throw new EtcdReplyError(`HTTP ${status}: ${what}`.replace(/\s+/g, ' '), status, parsed.errorCode);
  }

  return {
    label,
    async get(key, query = {}) {
      try {
        return await call('GET', key, query);
      } catch (err) {
        if (err instanceof EtcdReplyError && err.errorCode === 100) return undefined;
        throw err;
      }
    },
    async put(key, form) {
      await call('PUT', key, {}, form);
    },
    async delete(key, query) {
      try {
        await call('DELETE', key, query);
      } catch (err) {
        if (!(err instanceof EtcdReplyError && err.errorCode === 100)) throw err;
      }
    },
    close: () => agent.destroy(),
  };
}
