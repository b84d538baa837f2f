/**
 * The only place the sqlite3 returner touches its SQLite driver. It uses nothing but what both
 * better-sqlite3 and node:sqlite's DatabaseSync offer (open with a busy timeout, exec, prepare →
 * run/get/all, close), so moving to node:sqlite changes `openSqlite` and nothing else.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDb {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** Opens (creating when missing) the database file; a locked database is waited on for `timeoutMs`. */
export function openSqlite(file: string, timeoutMs: number): SqliteDb {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return new Database(file, { timeout: timeoutMs });
}

/** SQLite's primary result codes by number (node:sqlite reports `errcode`, better-sqlite3 the name). */
const PRIMARY_CODES: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR', 3: 'SQLITE_PERM', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT', 13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL', 18: 'SQLITE_TOOBIG', 19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH', 23: 'SQLITE_AUTH', 26: 'SQLITE_NOTADB',
};

/** `SQLITE_BUSY`, `SQLITE_CONSTRAINT_TRIGGER`…: the primary name for either driver's error. */
export function sqliteErrorName(err: unknown): string | undefined {
  const { code, errcode } = (err ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  if (typeof errcode === 'number') return PRIMARY_CODES[errcode & 0xff];
  return undefined;
}
