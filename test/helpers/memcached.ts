/** A private memcached for one test file on a free loopback port (UDP off), stopped by its PID. */
import { freePort } from './hang-server.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface TestMemcached {
  readonly port: number;
  readonly server: ServerProcess;
  /** Master options for the memcache returner on `port` (default: this server's). */
  opts(extra?: Record<string, unknown>, port?: number): Record<string, unknown>;
  stop(): Promise<void>;
}

/** `itemSize`: memcached's -I (largest value it stores), 1m as its default. */
export async function startMemcached(itemSize = '1m'): Promise<TestMemcached> {
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const server = await startServerProcess({
    name: 'memcached',
    command: 'memcached',
    // -vv is the only way memcached says it listens; the helper keeps just the tail of its output
    args: () => [...(root ? ['-u', 'memcache'] : []), '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-I', itemSize, '-vv'],
    ready: (s) => s.waitForOutput(/server listening/),
  });
  return {
    port,
    server,
    opts: (extra = {}, viaPort = port) => ({ 'memcache.host': '127.0.0.1', 'memcache.port': viaPort, ...extra }),
    stop: () => server.stop(),
  };
}
