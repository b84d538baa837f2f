/**
 * salt's `sqlite3` returner (salt/returners/sqlite3_return.py) on a local SQLite file.
 *
 * Config keys (salt's, via returnerOptions): `sqlite3.database` (required: the file), `sqlite3.timeout`
 * (seconds to wait for a locked database, a float; salt requires it, brine defaults to salt's documented
 * 5.0 and refuses more than 5: the driver waits synchronously); `<return_config>.sqlite3.*`, `--return_kwargs`.
 *
 * Tables (salt's docstring; salt never creates them, `salt-run returners.init sqlite3` does):
 *   jids(jid TEXT PRIMARY KEY, load TEXT)       -- load: JSON, ASCII-escaped as Python's json.dumps
 *   salt_returns(fun, jid, id, fun_args, date, full_ret, success)
 *     fun_args: Python str() of the list or NULL; date: local `YYYY-MM-DD HH:MM:SS.ffffff`;
 *     full_ret: JSON of the return value only; success: '1'/'0'
 *
 * Capabilities: save_load, get_load, get_jid, get_fun, get_jids, get_minions, prep_jid: it can be the
 * master_job_cache (no event_return, no clean_old_jobs: salt has neither).
 *
 * Deviations from salt: delivery is idempotent (one BEGIN IMMEDIATE transaction per batch skips the
 * (jid, id) pairs already stored; a second save_load of a jid is a no-op where salt fails on the key);
 * `date` is when the host returned (its `_stamp`), so a return delivered late keeps its time; get_jid
 * reads every host of the job (salt's reads the first row only) as full returns, with retcode 0/1 from
 * `success` (salt's schema has no retcode); get_fun works (salt's crashes) and gives {id: jid}.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import type { HostReturn, JobLoad } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { openSqliteFile, sqliteErrorName, type SqliteDatabase } from '../jobcache/sqlite.js';
import { generateJid } from '../salt/jid.js';
import { ReturnerError, type FailureScope } from './failure.js';
import { returnerOptions } from './options.js';
import { saltJson } from './salt-json.js';
import { orderedLoad } from './sql/rows.js';
import { hostReturnOf, RETURN_COLUMNS, returnRow, SQLITE3_DDL } from './sqlite3-rows.js';
import type { Returner, ReturnerLoadContext } from './types.js';

export const SQLITE3_OPTIONS = {
  database: { kind: 'string' },
  timeout: { kind: 'string', default: '5.0' },
} as const;

/** node:sqlite waits for a lock synchronously: the whole run stands still meanwhile. */
const MAX_TIMEOUT_SEC = 5;

const SCOPES: Readonly<Record<string, FailureScope>> = {
  SQLITE_CONSTRAINT: 'item', SQLITE_TOOBIG: 'item', SQLITE_MISMATCH: 'item',
  SQLITE_ERROR: 'returner', SQLITE_CANTOPEN: 'returner', SQLITE_READONLY: 'returner', SQLITE_PERM: 'returner',
  SQLITE_AUTH: 'returner', SQLITE_NOTADB: 'returner', SQLITE_CORRUPT: 'returner',
};

function scopeOf(err: unknown): FailureScope {
  return SCOPES[sqliteErrorName(err) ?? ''] ?? 'transient';
}

function timeoutSeconds(text: string | undefined): number {
  const seconds = Number(text);
  if (text === undefined || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SEC) {
    throw new ConfigError(`sqlite3.timeout: expected seconds above 0 and at most ${MAX_TIMEOUT_SEC}, got '${String(text).slice(0, 40)}'`);
  }
  return seconds;
}

/** What the sqlite3 returner implements, as required methods. */
export type Sqlite3Returner = Returner & Required<Pick<Returner, 'saveLoad' | 'getLoad' | 'getJid' | 'getFun' | 'getJids' | 'getJidsFilter' | 'getMinions' | 'prepJid' | 'init'>>;

export function createReturner(ctx: ReturnerLoadContext): Sqlite3Returner {
  const options = returnerOptions('sqlite3', ctx.opts, ctx, SQLITE3_OPTIONS);
  const file = options.database;
  if (file === undefined) throw new ConfigError('sqlite3.database: not set (the SQLite file to write, e.g. /var/lib/salt/salt.db)');
  const timeoutMs = Math.round(timeoutSeconds(options.timeout) * 1000);
  const now = ctx.now ?? (() => new Date());
  let db: SqliteDatabase | undefined;

  const drop = (): void => {
    db?.close();
    db = undefined;
  };

  /** Runs `fn` on the open file; a driver error becomes a one-line ReturnerError with its scope. */
  function use<T>(fn: (conn: SqliteDatabase) => T): Promise<T> {
    try {
      if (db === undefined) {
        // salt's file must exist: opening would otherwise create an empty one without tables
        if (!existsSync(file as string)) throw new ReturnerError('returner', `sqlite3 ${file}: no such file (create it with: salt-run returners.init sqlite3)`);
        db = openSqliteFile(file as string, { timeoutMs });
      }
      return Promise.resolve(fn(db));
    } catch (err) {
      if (err instanceof ReturnerError) return Promise.reject(err);
      const scope = scopeOf(err);
      if (scope !== 'item') drop(); // reopened next call: the file may have been replaced or fixed
      const reason = ((err as Error).message ?? String(err)).split('\n')[0];
      const hint = /no such table/.test(reason ?? '') ? ' (create the tables with: salt-run returners.init sqlite3)' : '';
      return Promise.reject(new ReturnerError(scope, `sqlite3 ${file}: ${reason}${hint}`, { cause: err }));
    }
  }

  const rowsOf = (conn: SqliteDatabase, sql: string, ...params: unknown[]): Array<Record<string, unknown>> => conn.prepare(sql).all(...params);
  const loads = (rows: Array<Record<string, unknown>>): Array<{ jid: string; load: JobLoad }> =>
    rows.map((r) => ({ jid: String(r['jid']), load: JSON.parse(String(r['load'])) as JobLoad }));

  return {
    name: 'sqlite3',
    capabilities: { jobCache: true, events: false, retention: false },

    returner: (rets: readonly HostReturn[]) =>
      use((conn) => {
        if (rets.length === 0) return;
        conn.transaction(() => {
          const jids = JSON.stringify([...new Set(rets.map((r) => r.jid))]);
          // one statement for any number of jids, so the connection compiles it once
          const have = rowsOf(conn, 'SELECT jid, id FROM salt_returns WHERE jid IN (SELECT value FROM json_each(?))', jids);
          const seen = new Set(have.map((r) => `${String(r['jid'])}\0${String(r['id'])}`));
          const insert = conn.prepare(`INSERT INTO salt_returns ${RETURN_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)`);
          for (const ret of rets) {
            const key = `${ret.jid}\0${ret.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            insert.run(...returnRow(ret, now));
          }
        }).immediate();
      }),

    saveLoad: (jid: string, load: JobLoad) =>
      use((conn) => {
        const text = saltJson(orderedLoad(load), 'ascii-only');
        conn.prepare('INSERT INTO jids (jid, load) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM jids WHERE jid = ?)').run(jid, text, jid);
      }),

    getLoad: (jid: string) => use((conn) => loads(rowsOf(conn, 'SELECT jid, load FROM jids WHERE jid = ?', jid))[0]?.load),

    getJid: (jid: string) =>
      use((conn) => {
        // No prototype: a host id such as `__proto__` is a plain key.
        const out = Object.create(null) as Record<string, HostReturn>;
        for (const row of rowsOf(conn, `SELECT * FROM salt_returns WHERE jid = ? ORDER BY rowid`, jid)) out[String(row['id'])] = hostReturnOf(row);
        return out;
      }),

    getFun: (fun: string) =>
      use((conn) => Object.fromEntries(rowsOf(conn, 'SELECT id, MAX(jid) AS jid FROM salt_returns WHERE fun = ? GROUP BY id', fun).map((r) => [String(r['id']), String(r['jid'])]))),

    getJids: () => use((conn) => loads(rowsOf(conn, 'SELECT jid, load FROM jids ORDER BY jid'))),

    getJidsFilter: (count: number, filterFindJob = true) =>
      use((conn) => {
        const filter = filterFindJob ? `WHERE load NOT LIKE '%"fun": "saltutil.find_job"%'` : '';
        return loads(rowsOf(conn, `SELECT jid, load FROM jids ${filter} ORDER BY jid DESC LIMIT ?`, count)).reverse();
      }),

    getMinions: () => use((conn) => rowsOf(conn, 'SELECT DISTINCT id FROM salt_returns ORDER BY id').map((r) => String(r['id']))),

    prepJid: (passedJid?: string) => Promise.resolve(passedJid ?? generateJid(now())),

    async init() {
      try {
        // returns can hold secrets: the file is created private (SQLite keeps an existing file's mode)
        closeSync(openSync(file, 'a', 0o600));
      } catch (err) {
        throw new ReturnerError('returner', `sqlite3 ${file}: ${(err as Error).message}`, { cause: err });
      }
      await use((conn) => {
        for (const ddl of SQLITE3_DDL) conn.exec(ddl);
      });
      return `tables jids, salt_returns ready in ${file}`;
    },

    close() {
      drop();
      return Promise.resolve();
    },
  };
}
