/**
 * salt's `mysql` returner (salt/returners/mysql.py), on mysql2; the only file that imports it.
 *
 * Config keys (salt's, via returnerOptions): `mysql.host` ('salt'), `mysql.user` ('salt'),
 * `mysql.pass` ('salt'), `mysql.db` ('salt'), `mysql.port` (3306), `mysql.ssl_ca`, `mysql.ssl_cert`,
 * `mysql.ssl_key`, `mysql.unix_socket`; `<return_config>.mysql.*` first; `--return_kwargs` last.
 *
 * Schema (salt's docstring, utf8 or utf8mb4; `salt-run returners.init mysql` creates it):
 *   jids(jid varchar(255) UNIQUE, load mediumtext)
 *   salt_returns(fun, jid, return, id, success '1'/'0', full_ret, alter_time)  -- no unique (jid, id)
 *   salt_events(id BIGINT AUTO_INCREMENT, tag, data, alter_time, master_id)
 *
 * Delivery is idempotent without schema changes: under `GET_LOCK('brine.<db>.salt_returns')` (so two
 * brine processes cannot interleave), one transaction skips the (jid, id) pairs already stored and
 * inserts the rest in multi-row INSERTs. Events with salt's job tags are de-duplicated by tag.
 *
 * Deadlines: connect 4 s; lock waits 4 s (GET_LOCK, and lock_wait_timeout / innodb_lock_wait_timeout,
 * whose server defaults are a day and 50 s, so a `LOCK TABLES … WRITE` elsewhere cannot hold a run);
 * a call that outlives 7 s has its connection destroyed. Errors carry a FailureScope: a value the
 * table cannot store is the item's fault; auth, unknown database or missing table the returner's.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import mysql from 'mysql2/promise';
import type { HostReturn, JobLoad } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { ReturnerError, type FailureScope } from './failure.js';
import { returnerOptions } from './options.js';
import { saltJson, type TextEncoding } from './salt-json.js';
import { MYSQL_OPTIONS, MYSQL_TABLES, encodingOf, fullRet, orderedLoad, type MysqlOptions, type MysqlTable } from './mysql-schema.js';
import { generateJid } from '../salt/jid.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

export { MYSQL_OPTIONS, type MysqlOptions };

/** Rows per INSERT are also capped by size, well under MariaDB's 16 MB max_allowed_packet. */
const MAX_INSERT_BYTES = 4 * 1024 * 1024;
const LOCK_WAIT_SEC = 4;
const CONNECT_TIMEOUT_MS = 4_000;
const CALL_TIMEOUT_MS = 7_000;
/** MEDIUMTEXT's limit: a longer value can never be stored, whatever the batch. */
const MEDIUMTEXT_BYTES = 16_777_215;
/** errno of a server gone away or a connection that died under a query: retried once on a fresh one. */
const CONNECTION_LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'ETIMEDOUT']);
/** The value itself cannot be stored: too long, a string the column's charset lacks, too big a packet. */
const ITEM_ERRNOS = new Set([1048, 1153, 1264, 1265, 1292, 1300, 1301, 1366, 1406]);
/** Nothing can be stored until someone fixes the config or schema: access, database, table, column, SQL. */
const RETURNER_ERRNOS = new Set([1044, 1045, 1049, 1054, 1064, 1130, 1142, 1143, 1146, 1227, 1251, 1698]);

/** Classifies a mysql2 error by errno/code; everything else (connection, timeout, lock wait, deadlock) is transient. */
export function mysqlFailureScope(err: unknown): FailureScope {
  const { errno, code } = err as { errno?: number; code?: string };
  if (code === 'ER_NET_PACKET_TOO_LARGE' || (errno !== undefined && ITEM_ERRNOS.has(errno))) return 'item';
  if (errno !== undefined && RETURNER_ERRNOS.has(errno)) return 'returner';
  if (code === 'ER_NOT_SUPPORTED_AUTH_MODE' || code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'returner';
  return 'transient';
}

type Conn = mysql.PoolConnection;
type Row = mysql.RowDataPacket;

export interface MysqlReturner extends Required<Returner> {
  readonly options: MysqlOptions;
  /** Connections the pool has opened so far (the benchmark and tests check it stays tiny). */
  connectionsOpened(): number;
}

/** salt's ssl_* keys are file paths (PyMySQL reads them); mysql2 wants their contents. */
function sslOptions(o: MysqlOptions): mysql.SslOptions | undefined {
  const ssl: mysql.SslOptions = {};
  for (const key of ['ssl_ca', 'ssl_cert', 'ssl_key'] as const) {
    const file = o[key];
    if (file === undefined) continue;
    try {
      ssl[key === 'ssl_ca' ? 'ca' : key === 'ssl_cert' ? 'cert' : 'key'] = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`mysql.${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return Object.keys(ssl).length > 0 ? ssl : undefined;
}

export function createReturner(ctx: ReturnerLoadContext): MysqlReturner {
  const o = returnerOptions('mysql', ctx.opts, ctx, MYSQL_OPTIONS);
  const now = ctx.now ?? (() => new Date());
  const masterId = typeof ctx.opts['id'] === 'string' ? ctx.opts['id'] : `${hostname()}_master`;
  const where = o.unix_socket ?? `${o.host ?? 'localhost'}:${o.port ?? 3306}`;
  const db = o.db ?? '';
  const ssl = sslOptions(o);
  const pool = mysql.createPool({
    ...(o.unix_socket ? { socketPath: o.unix_socket } : { host: o.host ?? 'localhost', port: o.port ?? 3306 }),
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.pass === undefined ? {} : { password: o.pass }),
    ...(o.db === undefined ? {} : { database: o.db }),
    ...(ssl ? { ssl } : {}),
    charset: 'utf8mb4',
    connectionLimit: 1,
    maxIdle: 1,
    enableKeepAlive: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  let opened = 0;
  const live = new Set<{ destroy(): void }>();
  pool.on('connection', (conn) => {
    opened++;
    live.add(conn);
    conn.on('end', () => live.delete(conn));
  });
  const encodings = new Map<MysqlTable, TextEncoding>();
  /** max_allowed_packet per connection, read when its session deadlines are set. */
  const packetLimits = new WeakMap<object, number>();
  const label = `mysql ${o.user ?? ''}@${where}/${db}`;

  const fail = (err: unknown): ReturnerError => {
    if (err instanceof ReturnerError) return err;
    const e = err as { message?: string; errno?: number };
    const reason = (e.message ?? String(err)).split('\n')[0] ?? '';
    const hint = e.errno === 1146 ? ' (create the tables with: salt-run returners.init mysql)' : '';
    return new ReturnerError(mysqlFailureScope(err), `${label}: ${reason}${hint}`, { cause: err });
  };

  async function prepare(conn: Conn): Promise<void> {
    if (packetLimits.has(conn.connection)) return;
    await conn.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SEC}, innodb_lock_wait_timeout = ${LOCK_WAIT_SEC}`);
    const [rows] = await conn.query<Row[]>('SELECT @@max_allowed_packet AS packet');
    packetLimits.set(conn.connection, Number(rows[0]?.['packet'] ?? 16_777_216));
  }

  async function withConn<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await pool.getConnection().catch((err: unknown) => {
        throw fail(err);
      });
      let hasTimedOut = false;
      // a server that stopped answering mid-call: only destroying the connection ends the wait
      const timer = setTimeout(() => {
        hasTimedOut = true;
        conn.destroy();
      }, CALL_TIMEOUT_MS);
      try {
        await prepare(conn);
        const result = await fn(conn);
        conn.release();
        return result;
      } catch (err) {
        if (hasTimedOut) throw new ReturnerError('transient', `${label}: no answer within ${CALL_TIMEOUT_MS / 1000}s`, { cause: err });
        const lost = CONNECTION_LOST.has((err as { code?: string }).code ?? '') || (err as { fatal?: boolean }).fatal === true;
        if (lost) conn.destroy();
        else conn.release();
        // a pooled connection may have died with a server restart: the operation is idempotent, so retry once
        if (lost && attempt === 0 && mysqlFailureScope(err) === 'transient') continue;
        throw fail(err);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Refuses locally a row the server would refuse or drop the connection over (it can never fit). */
  function checkRowSize(conn: Conn, row: readonly unknown[], what: string): number {
    let total = 0;
    for (const value of row) {
      const bytes = typeof value === 'string' ? Buffer.byteLength(value) : 8;
      if (bytes > MEDIUMTEXT_BYTES) throw new ReturnerError('item', `${label}: ${what}: a value of ${bytes} bytes is longer than a mediumtext column holds`);
      total += bytes;
    }
    const packet = packetLimits.get(conn.connection) ?? 16_777_216;
    if (total + 1024 > packet) throw new ReturnerError('item', `${label}: ${what}: ${total} bytes exceed max_allowed_packet (${packet})`);
    return total;
  }

  async function encodingFor(conn: Conn, table: MysqlTable): Promise<TextEncoding> {
    const known = encodings.get(table);
    if (known) return known;
    const [rows] = await conn.query<Row[]>(
      `SELECT CHARACTER_SET_NAME AS cs FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CHARACTER_SET_NAME IS NOT NULL`,
      [table],
    );
    if (rows.length === 0) return 'utf8mb4'; // table missing: the INSERT reports it
    const enc = encodingOf(rows.map((r) => String(r['cs'])));
    encodings.set(table, enc);
    return enc;
  }

  async function locked<T>(conn: Conn, table: string, fn: () => Promise<T>): Promise<T> {
    const name = `brine.${db}.${table}`.slice(0, 64);
    const [rows] = await conn.query<Row[]>('SELECT GET_LOCK(?, ?) AS got', [name, LOCK_WAIT_SEC]);
    if (rows[0]?.['got'] !== 1) throw new Error(`could not get lock ${name} within ${LOCK_WAIT_SEC}s`);
    try {
      await conn.beginTransaction();
      const result = await fn();
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
    }
  }

  async function insertRows(conn: Conn, head: string, rows: unknown[][], describe: (row: unknown[]) => string): Promise<void> {
    let chunk: unknown[][] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = checkRowSize(conn, row, describe(row));
      if (chunk.length > 0 && bytes + size > MAX_INSERT_BYTES) {
        await conn.query(`${head} VALUES ?`, [chunk]);
        chunk = [];
        bytes = 0;
      }
      chunk.push(row);
      bytes += size;
    }
    if (chunk.length > 0) await conn.query(`${head} VALUES ?`, [chunk]);
  }

  async function loadRows(sql: string, params: unknown[]): Promise<Array<{ jid: string; load: JobLoad }>> {
    const [rows] = await withConn((c) => c.query<Row[]>(sql, params));
    return rows.map((r) => ({ jid: String(r['jid']), load: JSON.parse(String(r['load'])) as JobLoad }));
  }

  const returner: MysqlReturner = {
    name: 'mysql',
    capabilities: { jobCache: true, events: true, retention: true },
    options: o,
    connectionsOpened: () => opened,

    async returner(rets: readonly HostReturn[]) {
      if (rets.length === 0) return;
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'salt_returns');
        await locked(conn, 'salt_returns', async () => {
          const jids = [...new Set(rets.map((r) => r.jid))];
          const [have] = await conn.query<Row[]>('SELECT jid, id FROM salt_returns WHERE jid IN (?)', [jids]);
          const seen = new Set(have.map((r) => `${String(r['jid'])}\0${String(r['id'])}`));
          const rows: unknown[][] = [];
          for (const r of rets) {
            const key = `${r.jid}\0${r.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            rows.push([r.fun, r.jid, saltJson(r.return, enc), r.id, r.success ? '1' : '0', saltJson(fullRet(r), enc)]);
          }
          await insertRows(conn, 'INSERT INTO salt_returns (fun, jid, `return`, id, success, full_ret)', rows, (row) => `return of ${String(row[3])} in ${String(row[1])}`);
        });
      });
    },

    async saveLoad(jid: string, load: JobLoad) {
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'jids');
        const row = [jid, saltJson(orderedLoad(load), enc)];
        checkRowSize(conn, row, `load of ${jid}`);
        // not INSERT IGNORE: that would also hide a value the column cannot store
        await conn.query('INSERT INTO jids (jid, `load`) VALUES (?, ?) ON DUPLICATE KEY UPDATE jid = jid', row);
      });
    },

    async saveMinions() {
      // salt's mysql save_minions is a no-op too: the schema has no place for them
    },

    async getLoad(jid: string) {
      const rows = await loadRows('SELECT jid, `load` FROM jids WHERE jid = ?', [jid]);
      return rows[0]?.load;
    },

    async getJid(jid: string) {
      const [rows] = await withConn((c) => c.query<Row[]>('SELECT id, full_ret FROM salt_returns WHERE jid = ?', [jid]));
      // No prototype: a host id such as `__proto__` is a plain key.
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const r of rows) out[String(r['id'])] = JSON.parse(String(r['full_ret'])) as HostReturn;
      return out;
    },

    async getFun(fun: string) {
      const sql = 'SELECT id, MAX(jid) AS jid FROM salt_returns WHERE fun = ? GROUP BY id';
      const [rows] = await withConn((c) => c.query<Row[]>(sql, [fun]));
      return Object.fromEntries(rows.map((r) => [String(r['id']), String(r['jid'])]));
    },

    getJids: () => loadRows('SELECT jid, `load` FROM jids ORDER BY jid', []),

    async getJidsFilter(count: number, filterFindJob = true) {
      const filter = filterFindJob ? 'WHERE `load` NOT LIKE \'%"fun": "saltutil.find_job"%\'' : '';
      const rows = await loadRows(`SELECT jid, \`load\` FROM jids ${filter} ORDER BY jid DESC LIMIT ?`, [count]);
      return rows.reverse();
    },

    async getMinions() {
      const [rows] = await withConn((c) => c.query<Row[]>('SELECT DISTINCT id FROM salt_returns ORDER BY id'));
      return rows.map((r) => String(r['id']));
    },

    prepJid: async (passedJid?: string) => passedJid ?? generateJid(now()),

    async eventReturn(events: readonly SaltEvent[]) {
      if (events.length === 0) return;
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'salt_events');
        await locked(conn, 'salt_events', async () => {
          // salt's job tags name one (jid, id): a redelivered one is skipped; other tags are free-form
          const jobTags = [...new Set(events.map((e) => e.tag).filter((t) => t.startsWith('salt/job/')))];
          const seen = new Set<string>();
          if (jobTags.length > 0) {
            const sql = 'SELECT tag FROM salt_events WHERE master_id = ? AND tag IN (?)';
            const [have] = await conn.query<Row[]>(sql, [masterId, jobTags]);
            for (const r of have) seen.add(String(r['tag']));
          }
          const rows: unknown[][] = [];
          for (const e of events) {
            if (seen.has(e.tag)) continue;
            if (e.tag.startsWith('salt/job/')) seen.add(e.tag);
            rows.push([e.tag, saltJson(e.data, enc), masterId]);
          }
          await insertRows(conn, 'INSERT INTO salt_events (tag, data, master_id)', rows, (row) => `event ${String(row[0])}`);
        });
      });
    },

    async cleanOldJobs(keepSeconds: number) {
      if (keepSeconds <= 0) return 0;
      const cutoffJid = generateJid(new Date(now().getTime() - keepSeconds * 1000), 0);
      return withConn(async (conn) => {
        const old = 'DATE_SUB(NOW(), INTERVAL ? SECOND)';
        const [a] = await conn.query<mysql.ResultSetHeader>(
          `DELETE FROM jids WHERE jid < ? OR jid IN (SELECT jid FROM salt_returns WHERE alter_time < ${old})`,
          [cutoffJid, keepSeconds],
        );
        await conn.query(`DELETE FROM salt_returns WHERE alter_time < ${old}`, [keepSeconds]);
        await conn.query(`DELETE FROM salt_events WHERE alter_time < ${old}`, [keepSeconds]);
        return a.affectedRows;
      });
    },

    async init() {
      await withConn(async (conn) => {
        for (const ddl of Object.values(MYSQL_TABLES)) await conn.query(ddl);
      });
      encodings.clear();
      return `tables salt_returns, jids, salt_events ready in db ${db}`;
    },

    async close() {
      // end() sends QUIT and waits for the server: a hung one would hold the caller, so cut it short
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 500);
      });
      await Promise.race([pool.end().catch(() => undefined), late]);
      clearTimeout(timer);
      for (const conn of live) conn.destroy();
    },
  };
  return returner;
}
