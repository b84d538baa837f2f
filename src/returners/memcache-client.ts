/**
 * A small memcached text-protocol client on node:net for the memcache returner: get/gets, set, add,
 * cas, pipelined on one connection (memcached answers in order). Deadlines: connect and each call;
 * a connection that failed or missed a deadline is destroyed and the next call opens a new one.
 */
import { connect, type Socket } from 'node:net';

export interface MemcacheItem {
  value: Buffer;
  flags: number;
  cas: string;
}

export class MemcacheError extends Error {
  /** The server's own answer (`SERVER_ERROR object too large for cache`), or undefined for a connection failure. */
  constructor(message: string, readonly reply?: string) {
    super(message);
    this.name = 'MemcacheError';
  }
}

type Pending = { kind: 'line'; resolve: (line: string) => void; reject: (err: Error) => void } | { kind: 'items'; resolve: (items: Map<string, MemcacheItem>) => void; reject: (err: Error) => void };

const CRLF = '\r\n';
const ERROR_LINE = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/;

export interface MemcacheClientOptions {
  host: string;
  port: number;
  connectMs: number;
  callMs: number;
}

export interface MemcacheClient {
  get(keys: readonly string[], withCas?: boolean): Promise<Map<string, MemcacheItem>>;
  /** `set`, `add`, `cas` (with `cas` given); resolves to memcached's answer line (`STORED`, `NOT_STORED`, `EXISTS`, `NOT_FOUND`). */
  store(command: 'set' | 'add' | 'cas', key: string, value: string, flags: number, cas?: string): Promise<string>;
  opened(): number;
  close(): void;
}

/** Parses one `get`/`gets` answer from the start of `buf`: undefined while incomplete, else the items and the bytes used. */
function parseItems(buf: Buffer): { items: Map<string, MemcacheItem>; used: number } | { error: string; used: number } | undefined {
  const items = new Map<string, MemcacheItem>();
  let at = 0;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const line = buf.toString('latin1', at, eol);
    if (line === 'END') return { items, used: eol + 2 };
    if (ERROR_LINE.test(line)) return { error: line, used: eol + 2 };
    const [word, key, flags, bytes, cas] = line.split(' ');
    if (word !== 'VALUE' || key === undefined || bytes === undefined) return { error: `unexpected answer: ${line.slice(0, 80)}`, used: buf.length };
    const start = eol + 2;
    const end = start + Number(bytes);
    if (buf.length < end + 2) return undefined;
    items.set(Buffer.from(key, 'latin1').toString('utf8'), { value: buf.subarray(start, end), flags: Number(flags), cas: cas ?? '' });
    at = end + 2;
  }
}

export function openMemcacheClient(options: MemcacheClientOptions): MemcacheClient {
  const where = `${options.host}:${options.port}`;
  let socket: Socket | undefined;
  let ready: Promise<Socket> | undefined;
  let buffer: Buffer = Buffer.alloc(0);
  let pending: Pending[] = [];
  let opened = 0;

  function fail(err: Error): void {
    const waiting = pending;
    pending = [];
    buffer = Buffer.alloc(0);
    socket?.destroy();
    socket = undefined;
    ready = undefined;
    for (const p of waiting) p.reject(err);
  }

  function onData(chunk: Buffer): void {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (let head = pending[0]; head !== undefined; head = pending[0]) {
      if (head.kind === 'line') {
        const eol = buffer.indexOf(CRLF);
        if (eol < 0) return;
        const line = buffer.toString('latin1', 0, eol);
        buffer = buffer.subarray(eol + 2);
        pending.shift();
        head.resolve(line);
        continue;
      }
      const parsed = parseItems(buffer);
      if (parsed === undefined) return;
      buffer = buffer.subarray(parsed.used);
      pending.shift();
      if ('error' in parsed) head.reject(new MemcacheError(`memcache ${where}: ${parsed.error}`, parsed.error));
      else head.resolve(parsed.items);
    }
  }

  function connection(): Promise<Socket> {
    ready ??= new Promise<Socket>((resolve, reject) => {
      opened++;
      const s = connect({ host: options.host, port: options.port });
      socket = s;
      const timer = setTimeout(() => {
        const err = new MemcacheError(`memcache ${where}: no connection within ${options.connectMs / 1000}s`);
        reject(err);
        fail(err);
      }, options.connectMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(s);
      });
      s.on('data', onData);
      s.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const wrapped = new MemcacheError(`memcache ${where}: ${err.code ?? err.message}${err.code ? ` (${err.message})` : ''}`);
        reject(wrapped);
        if (socket === s) fail(wrapped);
      });
      s.on('close', () => {
        if (socket === s) fail(new MemcacheError(`memcache ${where}: connection closed by the server`));
      });
    });
    return ready;
  }

  async function send<T>(payload: Buffer | string, kind: Pending['kind']): Promise<T> {
    const s = await connection();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => fail(new MemcacheError(`memcache ${where}: no answer within ${options.callMs / 1000}s`)), options.callMs);
      const done = { resolve: (v: unknown) => (clearTimeout(timer), resolve(v as T)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      pending.push({ kind, ...done });
      s.write(payload);
    });
  }

  return {
    async get(keys, withCas = false) {
      if (keys.length === 0) return new Map();
      return send<Map<string, MemcacheItem>>(`${withCas ? 'gets' : 'get'} ${keys.join(' ')}${CRLF}`, 'items');
    },
    async store(command, key, value, flags, cas) {
      const data = Buffer.from(value, 'utf8');
      const head = `${command} ${key} ${flags} 0 ${data.length}${cas === undefined ? '' : ` ${cas}`}${CRLF}`;
      const line = await send<string>(Buffer.concat([Buffer.from(head, 'utf8'), data, Buffer.from(CRLF)]), 'line');
      if (ERROR_LINE.test(line)) throw new MemcacheError(`memcache ${where}: ${line}`, line);
      return line;
    },
    opened: () => opened,
    close: () => fail(new MemcacheError(`memcache ${where}: client closed`)),
  };
}
