import type { SqliteDatabase } from './sqlite.js';
import { JOB_READ_COLUMNS, toHostReturn, toJobRecord, type JobRow, type ReturnRow } from './rows.js';
import type { DeliveryRoute, DeliveryTarget, PendingDelivery, PendingSummary, SetAsideDelivery } from './types.js';

/** A claim older than this is presumed abandoned (a hung or frozen flusher) and can be taken over. */
const STALE_CLAIM_MS = 60_000;

const RETURN_COLUMNS = ['fun', 'fun_args', 'ret', 'retcode', 'success', 'stamp', 'out'] as const;
const JOB_FIELDS = JOB_READ_COLUMNS.split(',').map((c) => c.trim());

interface ClaimRow {
  returner: string;
  jid: string;
  id: string;
  attempts: number;
  last_error: string | null;
  settings: string;
  has_return: number;
  has_job: number;
  [column: string]: unknown;
}

/** The payload columns come prefixed (`r.fun`, `j.tgt`) from the one claim SELECT. */
function prefixed<T>(row: ClaimRow, prefix: string, columns: readonly string[]): T {
  return Object.fromEntries(columns.map((c) => [c, row[`${prefix}${c}`]])) as T;
}

/** The load's row has id '' in SQL (part of the primary key) and null in the API. */
function toPending(row: ClaimRow): PendingDelivery {
  const id = row.id === '' ? null : row.id;
  const base: PendingDelivery = {
    returner: row.returner,
    jid: row.jid,
    id,
    attempts: row.attempts,
    settings: row.settings,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
  if (id !== null && row.has_return === 1) {
    const ret = toHostReturn({ ...prefixed<ReturnRow>(row, 'r.', RETURN_COLUMNS), jid: row.jid, id });
    return { ...base, payload: { kind: 'return', ret } };
  }
  if (id === null && row.has_job === 1) return { ...base, payload: { kind: 'load', job: toJobRecord(prefixed<JobRow>(row, 'j.', JOB_FIELDS)) } };
  return base;
}

function route(target: DeliveryTarget): DeliveryRoute {
  return typeof target === 'string' ? { queue: target, settings: '' } : target;
}

/** Queues one delivery per returner; called inside the transaction that stores the load or return. */
export function enqueue(db: SqliteDatabase, forwardTo: readonly DeliveryTarget[], jid: string, id: string | null): void {
  if (forwardTo.length === 0) return;
  const insert = db.prepare('INSERT OR IGNORE INTO pending (returner, jid, id, settings) VALUES (?, ?, ?, ?)');
  for (const target of forwardTo) {
    const { queue, settings } = route(target);
    insert.run(queue, jid, id ?? '', settings);
  }
}

/**
 * Claims rows nobody holds, or whose holder is dead (`brine_pid_alive`) or stale, together with the
 * load or return each points at (one SELECT, primary-key joins); BEGIN IMMEDIATE makes the
 * select-and-mark atomic across processes. Set-aside rows are never claimed.
 */
export function claim(
  db: SqliteDatabase,
  returner: string,
  settings: string,
  limit: number,
  pid: number,
  now: number,
): PendingDelivery[] {
  const select = db.prepare<[string, string, number, number, number], ClaimRow>(
    `SELECT p.returner, p.jid, p.id, p.attempts, p.last_error, p.settings,
       r.jid IS NOT NULL AS has_return, j.jid IS NOT NULL AS has_job,
       ${RETURN_COLUMNS.map((c) => `r.${c} AS "r.${c}"`).join(', ')},
       ${JOB_FIELDS.map((c) => `j.${c} AS "j.${c}"`).join(', ')}
     FROM pending AS p
     LEFT JOIN returns AS r ON p.id <> '' AND r.jid = p.jid AND r.id = p.id
     LEFT JOIN jobs AS j ON p.id = '' AND j.jid = p.jid AND j.fun IS NOT NULL
     WHERE p.returner = ? AND p.settings = ? AND p.set_aside_at IS NULL
       AND (p.claimed_by IS NULL OR p.claimed_at < ? OR (p.claimed_by <> ? AND NOT brine_pid_alive(p.claimed_by)))
     ORDER BY p.returner, p.settings, p.jid, p.id LIMIT ?`,
  );
  const mark = db.prepare('UPDATE pending SET claimed_by = ?, claimed_at = ? WHERE returner = ? AND settings = ? AND jid = ? AND id = ?');
  return db
    .transaction(() => {
      const rows = select.all(returner, settings, now - STALE_CLAIM_MS, pid, Math.max(0, Math.trunc(limit)));
      for (const row of rows) mark.run(pid, now, row.returner, row.settings, row.jid, row.id);
      return rows.map(toPending);
    })
    .immediate();
}

export function markDelivered(db: SqliteDatabase, returner: string, items: readonly PendingDelivery[]): void {
  const remove = db.prepare('DELETE FROM pending WHERE returner = ? AND settings = ? AND jid = ? AND id = ?');
  db.transaction(() => {
    for (const item of items) remove.run(returner, item.settings, item.jid, item.id ?? '');
  }).immediate();
}

export function markFailed(
  db: SqliteDatabase,
  returner: string,
  items: readonly PendingDelivery[],
  error: string,
  now: number,
): void {
  const release = db.prepare(
    `UPDATE pending SET attempts = attempts + 1, last_error = ?, failed_at = ?, claimed_by = NULL, claimed_at = NULL
     WHERE returner = ? AND settings = ? AND jid = ? AND id = ?`,
  );
  db.transaction(() => {
    for (const item of items) release.run(error, now, returner, item.settings, item.jid, item.id ?? '');
  }).immediate();
}

export function setAside(
  db: SqliteDatabase,
  returner: string,
  items: ReadonlyArray<{ item: PendingDelivery; error: string }>,
  now: number,
): void {
  const park = db.prepare(
    `UPDATE pending SET attempts = attempts + 1, last_error = ?, failed_at = ?, set_aside_at = ?, claimed_by = NULL, claimed_at = NULL
     WHERE returner = ? AND settings = ? AND jid = ? AND id = ?`,
  );
  db.transaction(() => {
    for (const { item, error } of items) park.run(error, now, now, returner, item.settings, item.jid, item.id ?? '');
  }).immediate();
}

export function retrySetAside(db: SqliteDatabase, queues: readonly string[]): number {
  return db
    .prepare('UPDATE pending SET set_aside_at = NULL WHERE set_aside_at IS NOT NULL AND returner IN (SELECT value FROM json_each(?))')
    .run(JSON.stringify(queues)).changes;
}

export function listPending(db: SqliteDatabase, returner?: string): PendingSummary[] {
  const rows = db
    .prepare<unknown[], { returner: string; count: number; set_aside: number; oldest_jid: string; last_error: string | null }>(
      `SELECT p.returner, count(*) AS count, sum(p.set_aside_at IS NOT NULL) AS set_aside, min(p.jid) AS oldest_jid,
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
    ...(row.set_aside > 0 ? { setAside: row.set_aside } : {}),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  }));
}

export function listSetAside(db: SqliteDatabase, returner: string | undefined, limit: number): SetAsideDelivery[] {
  return db
    .prepare<unknown[], { returner: string; jid: string; id: string; last_error: string | null }>(
      `SELECT returner, jid, id, last_error FROM pending
       WHERE set_aside_at IS NOT NULL ${returner === undefined ? '' : 'AND returner = ?'} ORDER BY set_aside_at, jid, id LIMIT ?`,
    )
    .all(...(returner === undefined ? [] : [returner]), Math.max(0, Math.trunc(limit)))
    .map((row) => ({ returner: row.returner, jid: row.jid, id: row.id === '' ? null : row.id, error: row.last_error ?? '' }));
}

export function pendingRoutes(db: SqliteDatabase): DeliveryRoute[] {
  return db
    .prepare<[], { returner: string; settings: string }>('SELECT DISTINCT returner, settings FROM pending WHERE set_aside_at IS NULL')
    .all()
    .map((row) => ({ queue: row.returner, settings: row.settings }));
}

/** What retention keeps: jobs past the cutoff that still have deliveries waiting, per queue. */
export function heldByDeliveries(
  db: SqliteDatabase,
  olderThan: number,
): { jobs: number; deliveries: number; queues: string[] } {
  const row = db
    .prepare<[number], { jobs: number; deliveries: number; queues: string | null }>(
      `SELECT count(DISTINCT p.jid) AS jobs, count(*) AS deliveries, group_concat(DISTINCT p.returner) AS queues
       FROM pending AS p JOIN jobs AS j ON j.jid = p.jid WHERE j.started_at < ?`,
    )
    .get(olderThan);
  return { jobs: row?.jobs ?? 0, deliveries: row?.deliveries ?? 0, queues: (row?.queues ?? '').split(',').filter((q) => q !== '').sort() };
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
