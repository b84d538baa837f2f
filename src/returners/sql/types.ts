/**
 * What a SQL dialect supplies to the shared SQL returner core (core.ts, returner.ts). The core owns
 * salt's three tables and their semantics; a dialect owns its driver and the SQL that differs.
 *
 * Adding PostgreSQL (`pg`) or SQLite is one file like mysql-dialect.ts: build a {@link SqlDialect}
 * whose pool wraps the driver (the only file importing it), then a returner file of a few lines that
 * reads salt's config keys and calls `createSqlReturner(dialect, ctx)`.
 */
import type { FailureScope } from '../failure.js';
import type { TextEncoding } from '../salt-json.js';

/** salt's tables, the same names in salt's mysql, pgjsonb and sqlite3 returners. */
export type SaltTable = 'jids' | 'salt_returns' | 'salt_events';

/** The deadlines the core holds every dialect to; a dialect applies the first two to its driver. */
export interface SqlDeadlines {
  /** Opening a connection (the driver's connect timeout). */
  connectMs: number;
  /** Waiting for a row or table lock, and for the cross-process delivery lock. */
  lockWaitSec: number;
  /** Any one call: past it the core destroys the connection (a server that stopped answering). */
  callMs: number;
}

export interface SqlResult {
  /** Rows of a SELECT, keyed by column name; empty for other statements. */
  rows: Array<Record<string, unknown>>;
  /** Rows an INSERT/UPDATE/DELETE changed. */
  affectedRows: number;
}

/** One pooled connection. SQL uses `?` placeholders; a dialect whose driver numbers them ($1) rewrites. */
export interface SqlConnection {
  query(sql: string, params?: readonly unknown[]): Promise<SqlResult>;
  /**
   * Per-session set-up (lock wait timeouts, reading the statement size limit), run before each call
   * under the call deadline; idempotent per physical connection.
   */
  prepare(): Promise<void>;
  /** The largest statement this session accepts in bytes (MySQL's max_allowed_packet); Infinity if none. */
  maxStatementBytes(): number;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Back to the pool. */
  release(): void;
  /** Closes the socket at once, e.g. after a deadline: the pool opens a fresh one next time. */
  destroy(): void;
}

export interface SqlPool {
  acquire(): Promise<SqlConnection>;
  /** Connections opened so far (tests and the benchmark check it stays tiny). */
  opened(): number;
  /** Ends the pool; the core cuts the wait short and then destroys what is left. */
  end(): Promise<void>;
  destroyAll(): void;
}

export interface SqlDialect {
  /** The returner's salt name (`mysql`, `pgjsonb`, `sqlite3`): in hints and messages. */
  name: string;
  /** Prefix of every error message, naming user, host and database (never the password). */
  label: string;
  /** The database name, for `returners.init`'s answer. */
  database: string;
  /** `CREATE TABLE IF NOT EXISTS` for each of salt's tables, in the returner's documented schema. */
  tables: Readonly<Record<SaltTable, string>>;
  createPool(deadlines: SqlDeadlines): SqlPool;
  /** Quotes an identifier (`load` and `return` are reserved words). */
  quote(identifier: string): string;
  /** Suffix of an INSERT that keeps the existing row on a duplicate `key` (never one that hides bad values). */
  ignoreDuplicate(key: string): string;
  /** SQL for "now minus the `?` parameter in seconds", for retention. */
  secondsAgo: string;
  /** Suffix of a DELETE that removes at most `?` rows (MySQL's `LIMIT ?`), so retention runs in short statements. */
  deleteLimit: string;
  /**
   * A whole retention statement removing at most `?` (its last parameter) rows of `table` matching `where`, for a
   * dialect whose DELETE has no LIMIT (PostgreSQL) or that moves the rows into archive tables; when
   * absent, `DELETE FROM <table> WHERE <where> <deleteLimit>`. Its affected rows are the rows removed.
   */
  deleteBatch?(table: SaltTable, where: string): string;
  /** Run once before a retention pass (e.g. creating salt's `<table>_archive` tables). */
  beforeClean?(conn: SqlConnection): Promise<void>;
  /** A JSON column as text for LIKE (PostgreSQL jsonb needs `::text`); when absent, the quoted column. */
  jsonAsText?(column: string): string;
  /** The `success` column's text (salt's mysql stores '1'/'0', pgjsonb 'true'/'false'); when absent '1'/'0'. */
  successText?: (success: boolean) => string;
  /**
   * Rewrites the JSON text salt's JSON columns get (and reverses it on read), for a column type that
   * refuses some valid JSON, e.g. jsonb and the `\u0000` escape; when absent the text is stored as is.
   */
  jsonCodec?: { store(text: string): string; load(text: string): string };
  /**
   * One INSERT of many rows (PostgreSQL: `SELECT * FROM unnest(<one array per column>)`, far cheaper to
   * parse and bind than a VALUES list of thousands of parameters); when absent, a multi-row VALUES list
   * capped by {@link maxParams}. `columns` are quoted already.
   */
  bulkInsert?: (table: SaltTable, columns: readonly string[], rows: readonly unknown[][]) => { sql: string; params: unknown[] };
  /** Parameters per statement the driver accepts (pg 65535, SQLite 32766); Infinity when formatted client-side. */
  maxParams: number;
  /** The longest value one text column holds, and its type's name for the message. */
  maxValue: { bytes: number; column: string };
  /** The name of the statement limit, for the message (`max_allowed_packet`). */
  statementLimitName: string;
  /**
   * Takes the named cross-process lock for an idempotent insert (MySQL GET_LOCK, PostgreSQL
   * pg_advisory_xact_lock; SQLite: none, its write transaction already serializes); rejects after `waitSec`.
   */
  lock(conn: SqlConnection, name: string, waitSec: number): Promise<void>;
  unlock(conn: SqlConnection, name: string): Promise<void>;
  /**
   * What the table's text columns can hold; a dialect without narrow charsets answers `utf8mb4`.
   * `undefined` (the table is missing) is not remembered: the INSERT reports it, and init creates it.
   */
  textEncoding(conn: SqlConnection, table: SaltTable): Promise<TextEncoding | undefined>;
  /** The failure scope of a driver error: the data's fault, the returner's (config, schema), or transient. */
  classify(err: unknown): FailureScope;
  /** The connection died under the call (server restart): retried once on a fresh connection. */
  isConnectionLost(err: unknown): boolean;
  /** A table is missing: the message then names `salt-run returners.init <name>`. */
  isMissingTable(err: unknown): boolean;
}
