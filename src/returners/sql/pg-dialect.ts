/**
 * The PostgreSQL dialect of the SQL returner core, on pg: the only file that imports it. Session
 * deadlines go in the startup packet (statement_timeout, lock_timeout, idle_in_transaction_session_timeout);
 * the cross-process lock is a session advisory lock on hashtext(name), bounded by lock_timeout.
 * DELETE has no LIMIT here: retention deletes by ctid in batches, moving rows into salt's
 * `<table>_archive` tables in the same statement when `archive_jobs` is set.
 */
import { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PgConnectOptions } from '../pg-schema.js';
import { isPgConnectionLost, isPgMissingTable, NO_SSL_MESSAGE, numberPlaceholders, pgFailureScope } from './pg-errors.js';
import { createSinglePool, type PooledLink } from './single-pool.js';
import { tlsPlan, type TlsPlan } from './pg-tls.js';
import type { SaltTable, SqlConnection, SqlDeadlines, SqlDialect, SqlPool, SqlResult } from './types.js';

/** jsonb's and text's practical limit: PostgreSQL refuses a jsonb value over 256 MB. */
const MAX_VALUE_BYTES = 268_435_455;
/** The protocol's largest message (1 GB). */
const MAX_MESSAGE_BYTES = 1_073_741_823;
/** json and jsonb come back as text: the core parses salt's JSON itself (and reverses jsonb's NUL escape). */
const JSON_OIDS = new Set([114, 3802]);
/** salt's JSON columns, as the core quotes them. */
const JSON_COLUMNS = new Set(['"return"', '"full_ret"', '"load"', '"data"']);

export interface PgFlavour {
  /** `pgjsonb` or `postgres`: message prefix, key prefix `returner.<name>`. */
  name: string;
  tables: Readonly<Record<SaltTable, string>>;
  /** Overwrite the load on a second save_load (pgjsonb's ON CONFLICT DO UPDATE) or keep the first (postgres). */
  overwritesLoad: boolean;
  /** `archive_jobs`: retention moves rows into `<table>_archive` instead of only deleting them. */
  archives: boolean;
  /** The type of salt's JSON columns (return, full_ret, load, data): `jsonb` or `text`. */
  jsonType: 'jsonb' | 'text';
  /** Extra dialect parts (jsonb's ::text and NUL codec). */
  extra?: Pick<SqlDialect, 'jsonAsText' | 'jsonCodec'>;
}

function createPgPool(o: PgConnectOptions, tls: TlsPlan, deadlines: SqlDeadlines): SqlPool {
  const getTypeParser = (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    JSON_OIDS.has(oid) ? (value) => value : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown);
  const types = { getTypeParser };

  async function connect(ssl: ConnectionOptions | false): Promise<PooledLink<pg.Client>> {
    // our own socket, so a deadline can destroy it whatever state pg is in (TLS runs on top of it)
    const socket = new Socket();
    let isAlive = true;
    const client = new pg.Client({
      host: o.host ?? 'localhost',
      port: o.port ?? 5432,
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(o.pass === undefined ? {} : { password: o.pass }),
      ...(o.db === undefined ? {} : { database: o.db }),
      ssl,
      stream: () => socket,
      keepAlive: true,
      connectionTimeoutMillis: deadlines.connectMs,
      statement_timeout: deadlines.callMs,
      lock_timeout: deadlines.lockWaitSec * 1000,
      idle_in_transaction_session_timeout: deadlines.callMs,
      application_name: 'brine',
      types,
    });
    // an idle connection the server drops emits 'error' on the client: mark it dead, never crash
    client.on('error', () => (isAlive = false));
    client.on('end', () => (isAlive = false));
    socket.on('close', () => (isAlive = false));
    try {
      await client.connect();
    } catch (err) {
      socket.destroy();
      // pg words a connect deadline as 'timeout expired' or 'Connection terminated due to connection timeout'
      if (/timeout expired|connection timeout/.test((err as Error).message)) {
        throw new Error(`no answer within the connect deadline (${deadlines.connectMs / 1000}s)`, { cause: err });
      }
      throw err;
    }
    return {
      conn: client,
      isAlive: () => isAlive,
      destroy: () => {
        isAlive = false;
        socket.destroy();
      },
      end: () => client.end(),
    };
  }

  const pool = createSinglePool(async () => {
    if (!tls.fallsBack || tls.options === false) return connect(tls.options);
    try {
      return await connect(tls.options);
    } catch (err) {
      if ((err as Error).message !== NO_SSL_MESSAGE) throw err;
      return connect(false);
    }
  });

  const wrap = (link: PooledLink<pg.Client>): SqlConnection => ({
    async query(sql, params = []): Promise<SqlResult> {
      const raw = params.length === 0 ? await link.conn.query(sql) : await link.conn.query(numberPlaceholders(sql), [...params]);
      // several statements in one string (the DDL) give one result each
      const result = (Array.isArray(raw) ? raw.at(-1) : raw) as pg.QueryResult | undefined;
      const isSelect = result?.command === 'SELECT';
      return { rows: isSelect ? (result.rows as Array<Record<string, unknown>>) : [], affectedRows: isSelect ? 0 : (result?.rowCount ?? 0) };
    },
    prepare: () => Promise.resolve(),
    maxStatementBytes: () => MAX_MESSAGE_BYTES,
    begin: async () => void (await link.conn.query('BEGIN')),
    commit: async () => void (await link.conn.query('COMMIT')),
    rollback: async () => void (await link.conn.query('ROLLBACK')),
    release: () => pool.release(link),
    destroy: () => pool.discard(link),
  });

  return { ...pool, acquire: async () => wrap(await pool.acquire()) };
}

export function pgDialect(o: PgConnectOptions, flavour: PgFlavour): SqlDialect {
  const { name } = flavour;
  const host = o.host ?? 'localhost';
  const where = host.startsWith('/') ? `${host}/.s.PGSQL.${o.port ?? 5432}` : `${host}:${o.port ?? 5432}`;
  const db = o.db ?? '';
  const tls = tlsPlan(name, o);
  return {
    name,
    label: `${name} ${o.user ?? ''}@${where}/${db}`,
    database: db,
    tables: flavour.tables,
    createPool: (deadlines) => createPgPool(o, tls, deadlines),
    quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
    ignoreDuplicate: (key) => (flavour.overwritesLoad ? `ON CONFLICT (${key}) DO UPDATE SET load = EXCLUDED.load` : `ON CONFLICT (${key}) DO NOTHING`),
    secondsAgo: 'now() - make_interval(secs => ?)',
    deleteLimit: 'LIMIT ?',
    deleteBatch(table, condition) {
      const remove = `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${condition} LIMIT ?)`;
      return flavour.archives ? `WITH moved AS (${remove} RETURNING *) INSERT INTO ${table}_archive SELECT * FROM moved` : remove;
    },
    async beforeClean(conn) {
      if (!flavour.archives) return;
      // salt's _archive_jobs: the archive tables have the source's columns (LIKE), made on first use
      for (const table of ['jids', 'salt_returns', 'salt_events']) await conn.query(`CREATE TABLE IF NOT EXISTS ${table}_archive (LIKE ${table})`);
    },
    successText: (success) => (success ? 'true' : 'false'),
    bulkInsert(table, columns, rows) {
      const arrays = columns.map((column) => `?::${JSON_COLUMNS.has(column) ? flavour.jsonType : 'text'}[]`);
      return {
        sql: `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`,
        params: columns.map((_, i) => rows.map((row) => row[i])),
      };
    },
    ...flavour.extra,
    maxParams: 65_535,
    maxValue: { bytes: MAX_VALUE_BYTES, column: 'a PostgreSQL value' },
    statementLimitName: 'the protocol message limit',
    async lock(conn, lockName) {
      // session-level (the core takes it before BEGIN); lock_timeout bounds the wait
      await conn.query('SELECT pg_advisory_lock(hashtext(?))', [lockName]);
    },
    async unlock(conn, lockName) {
      await conn.query('SELECT pg_advisory_unlock(hashtext(?))', [lockName]);
    },
    async textEncoding(conn, table) {
      const { rows } = await conn.query("SELECT to_regclass(?) IS NOT NULL AS has, current_setting('server_encoding') AS enc", [table]);
      if (rows[0]?.['has'] !== true) return undefined;
      return rows[0]['enc'] === 'UTF8' ? 'utf8mb4' : 'ascii-only';
    },
    classify: pgFailureScope,
    isConnectionLost: isPgConnectionLost,
    isMissingTable: isPgMissingTable,
  };
}
