/**
 * A private redis-server for one test file: a free loopback port plus a unix socket in its temp dir, a
 * password, no persistence, and the smallest proto-max-bulk-len (1 MiB) so a refused value is cheap to make.
 */
import { freePort } from './hang-server.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const REDIS_TEST_PASSWORD = 'brine-redis-test';
/** What the private server refuses: any bulk string over this many bytes. */
export const REDIS_TEST_MAX_BULK = 1024 * 1024;

export interface TestRedis {
  readonly port: number;
  readonly socket: string;
  readonly server: ServerProcess;
  /** Master options for the returner on TCP `port` (127.0.0.1), with the password. */
  opts(extra?: Record<string, unknown>, port?: number): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const server = await startServerProcess({
    name: 'redis',
    command: 'redis-server',
    args: (dir) => [
      '--bind', '127.0.0.1', '--port', String(port), '--unixsocket', `${dir}/redis.sock`, '--unixsocketperm', '700',
      '--requirepass', REDIS_TEST_PASSWORD, '--save', '', '--appendonly', 'no', '--dir', dir,
      '--proto-max-bulk-len', String(REDIS_TEST_MAX_BULK), '--daemonize', 'no', '--loglevel', 'notice',
    ],
    ready: (s) => s.waitForOutput(/Ready to accept connections/),
  });
  return {
    port,
    socket: `${server.dir}/redis.sock`,
    server,
    opts: (extra = {}, viaPort = port) => ({
      'redis.host': '127.0.0.1',
      'redis.port': viaPort,
      'redis.password': REDIS_TEST_PASSWORD,
      'redis.db': '0',
      ...extra,
    }),
    stop: () => server.stop(),
  };
}
