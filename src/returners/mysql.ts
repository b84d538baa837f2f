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
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import mysql from 'mysql2/promise';
import type { HostReturn, JobLoad } from '../jobcache/types.js';
import { BrineError, ConfigError } from '../errors.js';
import { returnerOptions } from './options.js';
import { saltJson, type TextEncoding } from './salt-json.js';
import { MYSQL_OPTIONS, MYSQL_TABLES, encodingOf, fullRet, orderedLoad, type MysqlOptions, type MysqlTable } from './mysql-schema.js';
import { generateJid } from '../jobcache/jid.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

export { MYSQL_OPTIONS, type MysqlOptions };

/** Rows per INSERT are also capped by size, well under MariaDB's 16 MB max_allowed_packet. */
const MAX_INSERT_BYTES = 4 * 1024 * 1024;
const LOCK_TIMEOUT_SEC = 10;
/** errno of a server gone away or a connection that died under a query: retried once on a fresh one. */
const CONNECTION_LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'ETIMEDOUT']);

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
    connectTimeout: 10_000,
  });
  let opened = 0;
  pool.on('connection', () => {
    opened++;
  });
  const encodings = new Map<MysqlTable, TextEncoding>();

  const fail = (err: unknown): BrineError => {
    const e = err as { message?: string; errno?: number };
    const reason = (e.message ?? String(err)).split('\n')[0] ?? '';
    const hint = e.errno === 1146 ? ' (create the tables with: salt-run returners.init mysql)' : '';
    return new BrineError('ERETURNER', `mysql ${o.user ?? ''}@${where}/${db}: ${reason}${hint}`, { cause: err });
  };

  async function withConn<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await pool.getConnection().catch((err: unknown) => {
        throw fail(err);
      });
      try {
        const result = await fn(conn);
        conn.release();
        return result;
      } catch (err) {
        const lost = CONNECTION_LOST.has((err as { code?: string }).code ?? '') || (err as { fatal?: boolean }).fatal === true;
        if (lost) conn.destroy();
        else conn.release();
        // a pooled connection may have died with a server restart: the operation is idempotent, so retry once
        if (lost && attempt === 0) continue;
        throw err instanceof BrineError ? err : fail(err);
      }
    }
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
    const [rows] = await conn.query<Row[]>('SELECT GET_LOCK(?, ?) AS got', [name, LOCK_TIMEOUT_SEC]);
    if (rows[0]?.['got'] !== 1) throw new Error(`could not get lock ${name} within ${LOCK_TIMEOUT_SEC}s`);
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

  async function insertRows(conn: Conn, head: string, rows: unknown[][]): Promise<void> {
    let chunk: unknown[][] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = row.reduce<number>((n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v) : 8), 0);
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
          await insertRows(conn, 'INSERT INTO salt_returns (fun, jid, `return`, id, success, full_ret)', rows);
        });
      });
    },

    async saveLoad(jid: string, load: JobLoad) {
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'jids');
        // not INSERT IGNORE: that would also hide a value the column cannot store
        await conn.query('INSERT INTO jids (jid, `load`) VALUES (?, ?) ON DUPLICATE KEY UPDATE jid = jid', [
          jid,
          saltJson(orderedLoad(load), enc),
        ]);
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
      const out: Record<string, HostReturn> = {};
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
          await insertRows(conn, 'INSERT INTO salt_events (tag, data, master_id)', rows);
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
      await pool.end().catch(() => undefined);
    },
  };
  return returner;
}
