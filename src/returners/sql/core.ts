/**
 * The connection side of the SQL returners: one pooled connection with a hard per-call deadline,
 * one reconnect after a lost connection, errors as one-line ReturnerErrors with their scope,
 * cross-process locked transactions, and multi-row INSERTs capped by size and parameter count.
 */
import { describeError } from '../../errors.js';
import { ReturnerError } from '../failure.js';
import type { TextEncoding } from '../salt-json.js';
import type { SaltTable, SqlConnection, SqlDeadlines, SqlDialect, SqlPool } from './types.js';

export const DEFAULT_DEADLINES: SqlDeadlines = { connectMs: 4_000, lockWaitSec: 4, callMs: 7_000 };
/** Rows per INSERT are also capped by size, well under MariaDB's 16 MB max_allowed_packet. */
const MAX_INSERT_BYTES = 4 * 1024 * 1024;
/** A pool's close (QUIT to a hung server) is not worth more than this. */
const CLOSE_WAIT_MS = 500;

export interface SqlCore {
  readonly dialect: SqlDialect;
  readonly pool: SqlPool;
  withConn: <T>(fn: (conn: SqlConnection) => Promise<T>) => Promise<T>;
  /** `fn` in a transaction under the cross-process lock named after the table. */
  locked: <T>(conn: SqlConnection, table: SaltTable, fn: () => Promise<T>) => Promise<T>;
  /** Multi-row INSERTs of `rows` into `table (columns)`; a row that can never fit is the item's error. */
  insertRows: (conn: SqlConnection, table: SaltTable, columns: readonly string[], rows: unknown[][], describe: (row: unknown[]) => string) => Promise<void>;
  /** Refuses locally a row the server would refuse or drop the connection over. */
  checkRowSize: (conn: SqlConnection, row: readonly unknown[], what: string) => number;
  encodingFor: (conn: SqlConnection, table: SaltTable) => Promise<TextEncoding>;
  /** `IN (?, ?, ?)` for `values`, portable across drivers. */
  inList: (values: readonly unknown[]) => string;
  forgetEncodings: () => void;
  close: () => Promise<void>;
}

export function createSqlCore(dialect: SqlDialect, deadlines: SqlDeadlines = DEFAULT_DEADLINES): SqlCore {
  const pool = dialect.createPool(deadlines);
  const encodings = new Map<SaltTable, TextEncoding>();
  const { label } = dialect;

  const fail = (err: unknown): ReturnerError => {
    if (err instanceof ReturnerError) return err;
    const reason = describeError(err);
    const hint = dialect.isMissingTable(err) ? ` (create the tables with: salt-run returners.init ${dialect.name})` : '';
    return new ReturnerError(dialect.classify(err), `${label}: ${reason}${hint}`, { cause: err });
  };

  async function withConn<T>(fn: (conn: SqlConnection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await pool.acquire().catch((err: unknown) => {
        throw fail(err);
      });
      let hasTimedOut = false;
      // a server that stopped answering mid-call: only destroying the connection ends the wait
      const timer = setTimeout(() => {
        hasTimedOut = true;
        conn.destroy();
      }, deadlines.callMs);
      try {
        await conn.prepare();
        const result = await fn(conn);
        conn.release();
        return result;
      } catch (err) {
        if (hasTimedOut) throw new ReturnerError('transient', `${label}: no answer within ${deadlines.callMs / 1000}s`, { cause: err });
        const isLost = dialect.isConnectionLost(err);
        if (isLost) conn.destroy();
        else conn.release();
        // a pooled connection may have died with a server restart: every call is idempotent, so retry once
        if (isLost && attempt === 0 && dialect.classify(err) === 'transient') continue;
        throw fail(err);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async function locked<T>(conn: SqlConnection, table: SaltTable, fn: () => Promise<T>): Promise<T> {
    const name = `brine.${dialect.database}.${table}`.slice(0, 64);
    await dialect.lock(conn, name, deadlines.lockWaitSec);
    try {
      await conn.begin();
      const result = await fn();
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      await dialect.unlock(conn, name).catch(() => undefined);
    }
  }

  function checkRowSize(conn: SqlConnection, row: readonly unknown[], what: string): number {
    let total = 0;
    for (const value of row) {
      const bytes = typeof value === 'string' ? Buffer.byteLength(value) : 8;
      if (bytes > dialect.maxValue.bytes) {
        throw new ReturnerError('item', `${label}: ${what}: a value of ${bytes} bytes is longer than ${dialect.maxValue.column} holds`);
      }
      total += bytes;
    }
    const limit = conn.maxStatementBytes();
    if (total + 1024 > limit) throw new ReturnerError('item', `${label}: ${what}: ${total} bytes exceed ${dialect.statementLimitName} (${limit})`);
    return total;
  }

  const inList = (values: readonly unknown[]): string => `(${values.map(() => '?').join(', ')})`;

  async function insertRows(
    conn: SqlConnection,
    table: SaltTable,
    columns: readonly string[],
    rows: unknown[][],
    describe: (row: unknown[]) => string,
  ): Promise<void> {
    const quoted = columns.map((c) => dialect.quote(c));
    const head = `INSERT INTO ${table} (${quoted.join(', ')}) VALUES `;
    const tuple = inList(columns);
    const { bulkInsert } = dialect;
    const maxRows = bulkInsert ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(dialect.maxParams / columns.length));
    let chunk: unknown[][] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      if (bulkInsert) {
        const { sql, params } = bulkInsert(table, quoted, chunk);
        await conn.query(sql, params);
      } else await conn.query(head + chunk.map(() => tuple).join(', '), chunk.flat());
      chunk = [];
      bytes = 0;
    };
    for (const row of rows) {
      const size = checkRowSize(conn, row, describe(row));
      if (chunk.length > 0 && (bytes + size > MAX_INSERT_BYTES || chunk.length >= maxRows)) await flush();
      chunk.push(row);
      bytes += size;
    }
    await flush();
  }

  async function encodingFor(conn: SqlConnection, table: SaltTable): Promise<TextEncoding> {
    const known = encodings.get(table);
    if (known) return known;
    const enc = await dialect.textEncoding(conn, table);
    if (enc === undefined) return 'utf8mb4';
    encodings.set(table, enc);
    return enc;
  }

  async function close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
    });
    await Promise.race([pool.end().catch(() => undefined), late]);
    clearTimeout(timer);
    pool.destroyAll();
  }

  return {
    dialect, pool, withConn, locked, insertRows, checkRowSize, encodingFor, inList, close,
    forgetEncodings: () => encodings.clear(),
  };
}
