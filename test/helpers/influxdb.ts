/**
 * A private InfluxDB 1.x (Debian `influxdb`) for one test file: loopback ports, a temp data dir, no
 * usage reporting; ready when it logs that it listens on HTTP; stopped by its PID.
 */
import { join } from 'node:path';
import { freePort } from './hang-server.js';
import { startServerProcess } from './server-process.js';

/** The server's max-body-size (its default is 25 MB). */
export const MAX_BODY_BYTES = 4_000_000;

export interface InfluxServer {
  readonly port: number;
  /** InfluxQL against `db` (or none), as the JSON results of `/query`. */
  query(q: string, db?: string): Promise<Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }>; error?: string }>>;
  /** Points of `measurement` in `db` as objects (time in µs since the epoch). */
  points(db: string, q: string): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export async function startInfluxd(): Promise<InfluxServer> {
  const [port, rpc] = [await freePort(), await freePort()];
  const server = await startServerProcess({
    name: 'influx',
    command: 'influxd',
    args: () => ['-config', '/etc/influxdb/influxdb.conf'],
    env: (dir) => ({
      ...process.env,
      INFLUXDB_REPORTING_DISABLED: 'true',
      INFLUXDB_BIND_ADDRESS: `127.0.0.1:${rpc}`,
      INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${port}`,
      INFLUXDB_META_DIR: join(dir, 'meta'),
      INFLUXDB_DATA_DIR: join(dir, 'data'),
      INFLUXDB_DATA_WAL_DIR: join(dir, 'wal'),
      INFLUXDB_HTTP_LOG_ENABLED: 'false',
      // small enough that a test can send a point the server refuses as too large
      INFLUXDB_HTTP_MAX_BODY_SIZE: String(MAX_BODY_BYTES),
      INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
    }),
    ready: (s) => s.waitForOutput(/Listening on HTTP/),
  }, 20_000);

  const query: InfluxServer['query'] = async (q, db) => {
    const params = new URLSearchParams({ q, epoch: 'u', ...(db === undefined ? {} : { db }) });
    const res = await fetch(`http://127.0.0.1:${port}/query`, { method: 'POST', body: params, signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { results?: Awaited<ReturnType<InfluxServer['query']>>; error?: string };
    if (body.error !== undefined) throw new Error(`influx ${q}: ${body.error}`);
    return body.results ?? [];
  };
  return {
    port,
    query,
    async points(db, q) {
      const [result] = await query(q, db);
      if (result?.error !== undefined) throw new Error(`influx ${q}: ${result.error}`);
      return (result?.series ?? []).flatMap((s) => s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
    },
    stop: () => server.stop(),
  };
}
