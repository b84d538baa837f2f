import type { SqliteDatabase } from './sqlite.js';

/** Bumped with each migration; stored in SQLite's `user_version`. */
export const SCHEMA_VERSION = 6;

/**
 * Version 1. `jobs.fun` is NULL while a jid is only reserved (prepJid) and the load is not saved yet.
 * Times are epoch milliseconds; JSON columns hold salt's values as written.
 */
export const V1 = `
CREATE TABLE IF NOT EXISTS jobs (
  jid        TEXT PRIMARY KEY,
  fun        TEXT,
  arg        TEXT,
  tgt        TEXT,
  tgt_type   TEXT,
  user       TEXT,
  metadata   TEXT,
  minions    TEXT,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  pid        INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_started_at ON jobs (started_at);
CREATE INDEX IF NOT EXISTS jobs_fun_started_at ON jobs (fun, started_at);
CREATE INDEX IF NOT EXISTS jobs_running ON jobs (started_at) WHERE ended_at IS NULL;

CREATE TABLE IF NOT EXISTS returns (
  jid      TEXT NOT NULL,
  id       TEXT NOT NULL,
  fun      TEXT NOT NULL,
  fun_args TEXT NOT NULL,
  ret      TEXT,
  retcode  INTEGER NOT NULL,
  success  INTEGER NOT NULL,
  stamp    TEXT NOT NULL,
  out      TEXT,
  PRIMARY KEY (jid, id)
);

CREATE TABLE IF NOT EXISTS pending (
  returner   TEXT NOT NULL,
  jid        TEXT NOT NULL,
  id         TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  failed_at  INTEGER,
  claimed_by INTEGER,
  claimed_at INTEGER,
  PRIMARY KEY (returner, jid, id)
);
CREATE INDEX IF NOT EXISTS pending_jid ON pending (jid);
`;

/** Version 2: `jobs.interrupted` is 1 when SIGINT/SIGTERM stopped the run (NULL otherwise). */
const V2 = `ALTER TABLE jobs ADD COLUMN interrupted INTEGER;`;

/**
 * Version 3, delivery: `settings` is the queuing run's `--return_config`/`--return_kwargs` as JSON ('' = the
 * config's defaults), so a queued item goes where its run sent it; `set_aside_at` marks an item the
 * returner refused for good (the reason in `last_error`): it is not claimed again until retried.
 */
const V3 = `
ALTER TABLE pending ADD COLUMN settings TEXT NOT NULL DEFAULT '';
ALTER TABLE pending ADD COLUMN set_aside_at INTEGER;
`;

/**
 * Version 4: `pending` becomes a WITHOUT ROWID table keyed by route then job, so queuing a delivery
 * inside a return's transaction writes one b-tree instead of three (table, key, jid index), and a
 * claim walks one route's rows in key order (the load, id '', before its returns) and stops at its
 * limit instead of sorting them all. Retention finds held jobs with one scan of the (small) queue.
 */
const V4 = `
CREATE TABLE pending_v4 (
  returner     TEXT NOT NULL,
  settings     TEXT NOT NULL DEFAULT '',
  jid          TEXT NOT NULL,
  id           TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  failed_at    INTEGER,
  claimed_by   INTEGER,
  claimed_at   INTEGER,
  set_aside_at INTEGER,
  PRIMARY KEY (returner, settings, jid, id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO pending_v4 (returner, settings, jid, id, attempts, last_error, failed_at, claimed_by, claimed_at, set_aside_at)
  SELECT returner, settings, jid, id, attempts, last_error, failed_at, claimed_by, claimed_at, set_aside_at FROM pending;
DROP TABLE pending;
ALTER TABLE pending_v4 RENAME TO pending;
`;

/** Version 5: `jobs.deadline_passed` is 1 when `--deadline` cut the run (NULL otherwise), beside `interrupted`. */
const V5 = `ALTER TABLE jobs ADD COLUMN deadline_passed INTEGER;`;

/**
 * Version 6, drift: `jobs.fingerprint` (src/jobcache/fingerprint.ts) names the audit a job belongs to, so
 * its predecessor is one seek in (fingerprint, started_at). Existing jobs get theirs here, through the
 * `brine_job_fingerprint` SQL function the cache registers before migrating.
 */
const V6 = `
ALTER TABLE jobs ADD COLUMN fingerprint TEXT;
UPDATE jobs SET fingerprint = brine_job_fingerprint(fun, arg, tgt, tgt_type) WHERE fun IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_fingerprint ON jobs (fingerprint, started_at);
`;

/** MIGRATIONS[n] upgrades a cache at version n to n + 1; a new cache runs them all. */
const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6];

/** Creates or upgrades the schema; refuses a cache written by a newer brine. */
export function migrate(db: SqliteDatabase, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`${file}: job cache schema version ${version} is newer than this brine understands (${SCHEMA_VERSION})`);
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated since.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
