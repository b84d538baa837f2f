import type BetterSqlite3 from 'better-sqlite3';

/** Bumped with each migration; stored in SQLite's `user_version`. */
export const SCHEMA_VERSION = 1;

/**
 * Version 1. `jobs.fun` is NULL while a jid is only reserved (prepJid) and the load is not saved yet.
 * Times are epoch milliseconds; JSON columns hold salt's values as written.
 */
const V1 = `
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

/** Creates or upgrades the schema; refuses a cache written by a newer brine. */
export function migrate(db: BetterSqlite3.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`${file}: job cache schema version ${version} is newer than this brine understands (${SCHEMA_VERSION})`);
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(V1);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
