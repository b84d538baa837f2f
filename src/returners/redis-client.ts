/**
 * One ioredis connection for the redis returner, with deadlines (connect 4 s, each command 7 s) and
 * errors as one line naming the server. A connection that failed or timed out is dropped and the next
 * call opens a new one: ioredis' own reconnect loop would keep a run waiting on a server that is gone.
 */
import { Redis } from 'ioredis';
import { ReturnerError } from './failure.js';

export type RedisPipeline = ReturnType<Redis['pipeline']>;

export interface RedisTarget {
  host: string;
  port: number;
  unixSocketPath: string | undefined;
  db: number;
  password: string | undefined;
}

export interface RedisConnection {
  /** Runs `work` on a live connection; failures become ReturnerErrors naming the server. */
  use<T>(work: (client: Redis) => Promise<T>): Promise<T>;
  /** The largest value the server accepts in one argument (its proto-max-bulk-len; 512 MiB when it will not say). */
  maxBulkBytes(): Promise<number>;
  /** Connections opened so far. */
  opened(): number;
  /** e.g. `redis 127.0.0.1:6379` or `redis unix:/run/redis.sock`. */
  readonly label: string;
  close(): Promise<void>;
}

export const REDIS_DEADLINES = { connectMs: 4_000, commandMs: 7_000 };
const DEFAULT_MAX_BULK = 512 * 1024 * 1024;
/** Replies that no retry can fix: wrong password, missing ACL permission, a db number the server lacks. */
const SETTINGS_ERROR = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password|DB index is out of range|AUTH <password> called without/i;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function openRedisConnection(target: RedisTarget, deadlines = REDIS_DEADLINES): RedisConnection {
  const label = target.unixSocketPath ? `redis unix:${target.unixSocketPath}` : `redis ${target.host}:${target.port}`;
  let current: { client: Redis; lastError: Error | undefined; ready?: Promise<void>; maxBulk?: Promise<number> } | undefined;
  let opened = 0;

  const newClient = (): Redis =>
    new Redis({
      host: target.host,
      port: target.port,
      lazyConnect: true,
      connectTimeout: deadlines.connectMs,
      commandTimeout: deadlines.commandMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableAutoPipelining: false,
      ...(target.unixSocketPath ? { path: target.unixSocketPath } : {}),
      ...(target.password ? { password: target.password } : {}),
    });

  function connection(): NonNullable<typeof current> {
    if (current && current.client.status !== 'end' && current.client.status !== 'close') return current;
    const client = newClient();
    const made: NonNullable<typeof current> = { client, lastError: undefined };
    // without a listener ioredis prints every connection error itself
    client.on('error', (err: Error) => (made.lastError = err));
    opened++;
    current = made;
    return made;
  }

  function drop(made: NonNullable<typeof current>): void {
    made.client.disconnect();
    if (current === made) current = undefined;
  }

  function wrap(err: unknown, made: NonNullable<typeof current>): ReturnerError {
    if (err instanceof ReturnerError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const cause = made.lastError;
    // "Connection is closed." says nothing: the connection's own error (ECONNREFUSED, WRONGPASS…) does
    const detail = cause && !message.includes(cause.message) ? `${message} (${cause.message})` : message;
    const scope = SETTINGS_ERROR.test(detail) ? 'returner' : 'transient';
    return new ReturnerError(scope, `${label}: ${oneLine(detail)}`, { cause: err });
  }

  async function use<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    const made = connection();
    let timer: NodeJS.Timeout | undefined;
    // ioredis' timeouts do not cover its AUTH/SELECT/ready-check handshake: one deadline covers the whole call
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${(deadlines.connectMs + deadlines.commandMs) / 1000}s`)), deadlines.connectMs + deadlines.commandMs);
    });
    try {
      const run = async (): Promise<T> => {
        // one handshake per connection that every caller waits for, so no command runs before SELECT;
        // ioredis' own SELECT on connect only emits an error and stays on db 0: select here, and fail
        made.ready ??= (async () => {
          await made.client.connect();
          if (target.db !== 0) await made.client.select(target.db);
        })();
        await made.ready;
        return work(made.client);
      };
      return await Promise.race([run(), expired]);
    } catch (err) {
      const wrapped = wrap(err, made);
      // a server error reply leaves the connection usable; anything else (closed, timed out) does not
      if (!(err instanceof Error && err.name === 'ReplyError') || wrapped.scope === 'returner') drop(made);
      throw wrapped;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    label,
    use,
    opened: () => opened,
    maxBulkBytes() {
      const made = connection();
      made.maxBulk ??= use(async (client) => {
        try {
          const reply = await client.call('CONFIG', 'GET', 'proto-max-bulk-len');
          const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
          return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_BULK;
        } catch (err) {
          // CONFIG may be renamed away or denied by an ACL (NOPERM): fall back to Redis' default
          if (err instanceof Error && err.name === 'ReplyError' && !/WRONGPASS|NOAUTH/i.test(err.message)) return DEFAULT_MAX_BULK;
          throw err;
        }
      });
      return made.maxBulk;
    },
    async close() {
      const made = current;
      current = undefined;
      if (!made) return;
      if (made.client.status === 'ready') {
        await Promise.race([made.client.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      }
      made.client.disconnect();
    },
  };
}
