import type BetterSqlite3 from 'better-sqlite3';
import type { PendingDelivery, PendingSummary } from './types.js';

/** A claim older than this is presumed abandoned (a hung or frozen flusher) and can be taken over. */
export const STALE_CLAIM_MS = 60_000;

interface PendingRow {
  returner: string;
  jid: string;
  id: string;
  attempts: number;
  last_error: string | null;
}

/** The load's row has id '' in SQL (part of the primary key) and null in the API. */
function toPending(row: PendingRow): PendingDelivery {
  return {
    returner: row.returner,
    jid: row.jid,
    id: row.id === '' ? null : row.id,
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
}

/** Queues one delivery per returner; called inside the transaction that stores the load or return. */
export function enqueue(db: BetterSqlite3.Database, forwardTo: readonly string[], jid: string, id: string | null): void {
  if (forwardTo.length === 0) return;
  const insert = db.prepare('INSERT OR IGNORE INTO pending (returner, jid, id) VALUES (?, ?, ?)');
  for (const returner of new Set(forwardTo)) insert.run(returner, jid, id ?? '');
}

/**
 * Claims rows nobody holds, or whose holder is dead (`brine_pid_alive`) or stale; BEGIN IMMEDIATE
 * makes the select-and-mark atomic across processes.
 */
export function claim(
  db: BetterSqlite3.Database,
  returner: string,
  limit: number,
  pid: number,
  now: number,
): PendingDelivery[] {
  const select = db.prepare<[string, number, number, number], PendingRow>(
    `SELECT returner, jid, id, attempts, last_error FROM pending
     WHERE returner = ? AND (claimed_by IS NULL OR claimed_at < ? OR (claimed_by <> ? AND NOT brine_pid_alive(claimed_by)))
     ORDER BY rowid LIMIT ?`,
  );
  const mark = db.prepare('UPDATE pending SET claimed_by = ?, claimed_at = ? WHERE returner = ? AND jid = ? AND id = ?');
  return db
    .transaction(() => {
      const rows = select.all(returner, now - STALE_CLAIM_MS, pid, Math.max(0, Math.trunc(limit)));
      for (const row of rows) mark.run(pid, now, row.returner, row.jid, row.id);
      return rows.map(toPending);
    })
    .immediate();
}

export function markDelivered(db: BetterSqlite3.Database, returner: string, items: readonly PendingDelivery[]): void {
  const remove = db.prepare('DELETE FROM pending WHERE returner = ? AND jid = ? AND id = ?');
  db.transaction(() => {
    for (const item of items) remove.run(returner, item.jid, item.id ?? '');
  }).immediate();
}

export function markFailed(
  db: BetterSqlite3.Database,
  returner: string,
  items: readonly PendingDelivery[],
  error: string,
  now: number,
): void {
  const release = db.prepare(
    `UPDATE pending SET attempts = attempts + 1, last_error = ?, failed_at = ?, claimed_by = NULL, claimed_at = NULL
     WHERE returner = ? AND jid = ? AND id = ?`,
  );
  db.transaction(() => {
    for (const item of items) release.run(error, now, returner, item.jid, item.id ?? '');
  }).immediate();
}

export function listPending(db: BetterSqlite3.Database, returner?: string): PendingSummary[] {
  const rows = db
    .prepare<unknown[], { returner: string; count: number; oldest_jid: string; last_error: string | null }>(
      `SELECT p.returner, count(*) AS count, min(p.jid) AS oldest_jid,
         (SELECT last_error FROM pending AS f WHERE f.returner = p.returner AND f.last_error IS NOT NULL
          ORDER BY f.failed_at DESC LIMIT 1) AS last_error
       FROM pending AS p ${returner === undefined ? '' : 'WHERE p.returner = ?'}
       GROUP BY p.returner ORDER BY p.returner`,
    )
    .all(...(returner === undefined ? [] : [returner]));
  return rows.map((row) => ({
    returner: row.returner,
    count: row.count,
    oldestJid: row.oldest_jid,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  }));
}

/** `process.kill(pid, 0)`: ESRCH means gone; EPERM means alive under another user. */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
