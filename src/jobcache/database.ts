/** Opening the SQLite job cache file: private modes, WAL, migration and the SQL functions. */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { BrineError, CacheError, describeError } from '../errors.js';
import { isPidAlive } from './delivery-queue.js';
import { tightenCacheModes } from './file-modes.js';
import { fingerprintFunction } from './fingerprint.js';
import { fnmatchFunction, targetMatchSqlFunction } from './rows.js';
import { migrate } from './schema.js';
import { openSqliteFile, type SqliteDatabase } from './sqlite.js';

export function cacheError(file: string, err: unknown): BrineError {
  if (err instanceof BrineError) return err;
  return new CacheError(`job cache ${file}: ${describeError(err)}`, { cause: err });
}

export function openDatabase(file: string, busyTimeoutMs: number, warn: (line: string) => void): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Returns can hold secrets: create the file private before SQLite does (its -wal/-shm copy the mode).
    closeSync(openSync(file, 'a', 0o600));
    tightenCacheModes(file, warn);
    db = openSqliteFile(file, { timeoutMs: busyTimeoutMs });
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`cannot switch to WAL mode (got ${String(mode)})`);
    // WAL + NORMAL: a committed return survives the brine process dying (SIGKILL, OOM); only an OS crash or
    // power cut can lose the last commits. FULL fsyncs every return and blocked the fan-out ~1.7 s per 500 hosts.
    db.pragma('synchronous = NORMAL');
    // the drift migration fills old jobs' fingerprints in SQL
    db.function('brine_job_fingerprint', { deterministic: true }, fingerprintFunction);
    migrate(db, file);
    db.function('brine_pid_alive', { deterministic: false }, (pid) => (isPidAlive(Number(pid)) ? 1 : 0));
    db.function('brine_fnmatch', { deterministic: true }, fnmatchFunction());
    db.function('brine_target_match', { deterministic: true }, targetMatchSqlFunction());
    return db;
  } catch (err) {
    db?.close();
    throw cacheError(file, err);
  }
}
