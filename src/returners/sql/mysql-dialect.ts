/**
 * The MySQL/MariaDB dialect of the SQL returner core, on mysql2: the only file that imports it.
 * Session deadlines: lock_wait_timeout / innodb_lock_wait_timeout (server defaults a day and 50 s,
 * so a `LOCK TABLES … WRITE` elsewhere cannot hold a run); the cross-process lock is GET_LOCK.
 */
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { ConfigError } from '../../errors.js';
import type { FailureScope } from '../failure.js';
import { encodingOf, MYSQL_TABLES, type MysqlOptions } from '../mysql-schema.js';
import type { SqlConnection, SqlDeadlines, SqlDialect, SqlPool, SqlResult } from './types.js';

/** MEDIUMTEXT's limit: a longer value can never be stored, whatever the batch. */
const MEDIUMTEXT_BYTES = 16_777_215;
const DEFAULT_PACKET = 16_777_216;
/** errno of a server gone away or a connection that died under a query. */
const CONNECTION_LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'ETIMEDOUT']);
/** The value itself cannot be stored: too long, a string the column's charset lacks, too big a packet. */
const ITEM_ERRNOS = new Set([1048, 1153, 1264, 1265, 1292, 1300, 1301, 1366, 1406]);
/** Nothing can be stored until someone fixes the config or schema: access, database, table, column, SQL. */
const RETURNER_ERRNOS = new Set([1044, 1045, 1049, 1054, 1064, 1130, 1142, 1143, 1146, 1227, 1251, 1698]);
const NO_SUCH_TABLE = 1146;

type Row = mysql.RowDataPacket;

/** Classifies a mysql2 error by errno/code; everything else (connection, timeout, lock wait, deadlock) is transient. */
function mysqlFailureScope(err: unknown): FailureScope {
  const { errno, code } = err as { errno?: number; code?: string };
  if (code === 'ER_NET_PACKET_TOO_LARGE' || (errno !== undefined && ITEM_ERRNOS.has(errno))) return 'item';
  if (errno !== undefined && RETURNER_ERRNOS.has(errno)) return 'returner';
  if (code === 'ER_NOT_SUPPORTED_AUTH_MODE' || code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'returner';
  return 'transient';
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

function createMysqlPool(o: MysqlOptions, ssl: mysql.SslOptions | undefined, deadlines: SqlDeadlines): SqlPool {
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
    connectTimeout: deadlines.connectMs,
  });
  let opened = 0;
  const live = new Set<{ destroy(): void }>();
  pool.on('connection', (conn) => {
    opened++;
    live.add(conn);
    conn.on('end', () => live.delete(conn));
  });
  /** max_allowed_packet per physical connection, read when its session deadlines are set. */
  const packetLimits = new WeakMap<object, number>();

  const wrap = (conn: mysql.PoolConnection): SqlConnection => ({
    async query(sql, params = []): Promise<SqlResult> {
      const [result] = await conn.query(sql, [...params] as mysql.QueryValues);
      return Array.isArray(result)
        ? { rows: result as Row[], affectedRows: 0 }
        : { rows: [], affectedRows: (result as mysql.ResultSetHeader).affectedRows };
    },
    async prepare() {
      if (packetLimits.has(conn.connection)) return;
      const wait = deadlines.lockWaitSec;
      await conn.query(`SET SESSION lock_wait_timeout = ${wait}, innodb_lock_wait_timeout = ${wait}`);
      const [rows] = await conn.query<Row[]>('SELECT @@max_allowed_packet AS packet');
      packetLimits.set(conn.connection, Number(rows[0]?.['packet'] ?? DEFAULT_PACKET));
    },
    maxStatementBytes: () => packetLimits.get(conn.connection) ?? DEFAULT_PACKET,
    begin: () => conn.beginTransaction(),
    commit: () => conn.commit(),
    rollback: () => conn.rollback(),
    release: () => conn.release(),
    destroy: () => conn.destroy(),
  });

  return {
    acquire: async () => wrap(await pool.getConnection()),
    opened: () => opened,
    end: () => pool.end(),
    destroyAll() {
      for (const conn of live) conn.destroy();
    },
  };
}

export function mysqlDialect(o: MysqlOptions): SqlDialect {
  const where = o.unix_socket ?? `${o.host ?? 'localhost'}:${o.port ?? 3306}`;
  const db = o.db ?? '';
  const ssl = sslOptions(o);
  return {
    name: 'mysql',
    label: `mysql ${o.user ?? ''}@${where}/${db}`,
    database: db,
    tables: MYSQL_TABLES,
    createPool: (deadlines) => createMysqlPool(o, ssl, deadlines),
    quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
    ignoreDuplicate: (key) => `ON DUPLICATE KEY UPDATE ${key} = ${key}`,
    secondsAgo: 'DATE_SUB(NOW(), INTERVAL ? SECOND)',
    deleteLimit: 'LIMIT ?',
    // mysql2's query() formats values client-side: the limit is max_allowed_packet, checked by size
    maxParams: Number.POSITIVE_INFINITY,
    maxValue: { bytes: MEDIUMTEXT_BYTES, column: 'a mediumtext column' },
    statementLimitName: 'max_allowed_packet',
    async lock(conn, name, waitSec) {
      const { rows } = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, waitSec]);
      if (rows[0]?.['got'] !== 1) throw new Error(`could not get lock ${name} within ${waitSec}s`);
    },
    async unlock(conn, name) {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]);
    },
    async textEncoding(conn, table) {
      const { rows } = await conn.query(
        `SELECT CHARACTER_SET_NAME AS cs FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CHARACTER_SET_NAME IS NOT NULL`,
        [table],
      );
      return rows.length === 0 ? undefined : encodingOf(rows.map((r) => String(r['cs'])));
    },
    classify: mysqlFailureScope,
    isConnectionLost: (err) => CONNECTION_LOST.has((err as { code?: string }).code ?? '') || (err as { fatal?: boolean }).fatal === true,
    isMissingTable: (err) => (err as { errno?: number }).errno === NO_SUCH_TABLE,
  };
}
