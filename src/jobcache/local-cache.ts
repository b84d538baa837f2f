import { join } from 'node:path';
import { CacheError, ConfigError, UsageError } from '../errors.js';
import type { MasterOptions } from '../config/types.js';
import * as queue from './delivery-queue.js';
import { generateJid, isJid, nextJid } from '../salt/jid.js';
import { cacheError, openDatabase } from './database.js';
import type { SqliteDatabase } from './sqlite.js';
import { buildJobQuery, JOB_COLUMNS, JOB_PLACEHOLDERS, JOB_READ_COLUMNS, jobValues, returnValues, returnsById, toJobRecord } from './rows.js';
import type { JobRow, ReturnRow } from './rows.js';
import type { DeliveryQueue, DeliveryRoute, DeliveryTarget, JobCache, JobQuery, PendingDelivery, PendingSummary, SetAsideDelivery, StoredReturn } from './types.js';
import type { HostReturn, JobRecord } from '../core/job.js';

export interface LocalCacheOptions {
  /** Epoch ms for claim times; injected so staleness is testable. */
  clock?: () => number;
  /** The pid recorded on claims (defaults to this process). */
  pid?: number;
  /** How long a writer waits for another process's lock before failing (default 15 s). */
  busyTimeoutMs?: number;
  /** One-line warnings, e.g. a cache file open to other users that cannot be tightened (default: stderr). */
  warn?: (line: string) => void;
}

/** One job and its returns for `importJobs` (bulk loading, e.g. benchmarks or migrations). */
export interface JobImport {
  job: JobRecord;
  returns: readonly HostReturn[];
}

export interface LocalJobCache extends JobCache, DeliveryQueue {
  readonly file: string;
  predecessorOf(jid: string): Promise<JobRecord | undefined>;
  getStoredReturns(jid: string): Promise<StoredReturn[]>;
  /** Writes many jobs in one transaction, without delivery rows. */
  importJobs(items: readonly JobImport[]): void;
  /** Drops a job's returns once nothing is pending for it; false while something is. */
  dropDeliveredReturns(jid: string): Promise<boolean>;
  /** The jobs started before `olderThan` that retention keeps because deliveries still wait for them. */
  heldByDeliveries(olderThan: number): Promise<{ jobs: number; deliveries: number; queues: string[] }>;
}

/** Enough retries to walk past every jid a busy second could hold. */
const MAX_JID_TRIES = 10_000;
const FILE_NAME = 'jobs.sqlite';

/** `<cachedir>/jobs.sqlite`; salt's local_cache keeps `<cachedir>/jobs/` in the same place. */
export function localCacheFile(opts: MasterOptions): string {
  const cachedir = opts['cachedir'];
  if (typeof cachedir !== 'string' || cachedir === '') throw new ConfigError('cachedir: expected a directory path');
  return join(cachedir, FILE_NAME);
}

/** Opens (creating with mode 0700/0600, tightening loose modes, migrating) the SQLite job cache at `file`. */
export function openLocalCache(file: string, options: LocalCacheOptions = {}): LocalJobCache {
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const db = openDatabase(file, options.busyTimeoutMs ?? 15_000, warn);
  return new SqliteJobCache(db, file, options.clock ?? Date.now, options.pid ?? process.pid);
}

class SqliteJobCache implements LocalJobCache {
  readonly name = 'local_cache';

  constructor(
    private readonly db: SqliteDatabase,
    readonly file: string,
    private readonly clock: () => number,
    private readonly pid: number,
  ) {}

  private guard<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(cacheError(this.file, err));
    }
  }

  prepJid(now: Date, passedJid?: string): Promise<string> {
    return this.guard(() => {
      const reserve = this.db.prepare('INSERT OR IGNORE INTO jobs (jid, started_at, pid) VALUES (?, ?, ?)');
      if (passedJid !== undefined) {
        if (!isJid(passedJid)) throw new UsageError(`--jid: '${String(passedJid)}' is not a valid jid (20 digits YYYYMMDDhhmmssffffff)`);
        // salt reuses a passed jid silently; brine refuses, so two jobs never mix their returns.
        if (reserve.run(passedJid, now.getTime(), this.pid).changes === 0) {
          throw new UsageError(`--jid: ${passedJid} is already in the job cache ${this.file}`);
        }
        return passedJid;
      }
      let jid = generateJid(now);
      for (let i = 0; i < MAX_JID_TRIES; i++) {
        if (reserve.run(jid, now.getTime(), this.pid).changes === 1) return jid;
        jid = nextJid(jid);
      }
      throw new CacheError(`job cache ${this.file}: could not reserve a jid after ${MAX_JID_TRIES} tries`);
    });
  }

  saveLoad(job: JobRecord, forwardTo: readonly DeliveryTarget[] = []): Promise<void> {
    return this.guard(() => {
      const upsert = this.db.prepare(
        `INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_PLACEHOLDERS})
         ON CONFLICT (jid) DO UPDATE SET fun = excluded.fun, arg = excluded.arg, tgt = excluded.tgt,
           tgt_type = excluded.tgt_type, user = excluded.user, metadata = excluded.metadata,
           minions = excluded.minions, started_at = excluded.started_at, ended_at = excluded.ended_at, pid = excluded.pid,
           fingerprint = excluded.fingerprint`,
      );
      this.db
        .transaction(() => {
          upsert.run(...jobValues(job));
          queue.enqueue(this.db, forwardTo, job.load.jid, null);
        })
        .immediate();
    });
  }

  saveReturn(ret: HostReturn, forwardTo: readonly DeliveryTarget[] = []): Promise<void> {
    return this.guard(() => {
      const insert = this.db.prepare(
        `INSERT INTO returns (jid, id, fun, fun_args, ret, retcode, success, stamp, out)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jid, id) DO NOTHING`,
      );
      this.db
        .transaction(() => {
          // Like salt's local_cache, a second return for the same host is dropped, and not forwarded.
          if (insert.run(...returnValues(ret)).changes === 1) queue.enqueue(this.db, forwardTo, ret.jid, ret.id);
        })
        .immediate();
    });
  }

  endJob(jid: string, endedAt: number, wasInterrupted = false, hasPassedDeadline = false): Promise<void> {
    return this.guard(() => {
      this.db
        .prepare('UPDATE jobs SET ended_at = ?, interrupted = ?, deadline_passed = ? WHERE jid = ?')
        .run(endedAt, wasInterrupted ? 1 : null, hasPassedDeadline ? 1 : null, jid);
    });
  }

  getJob(jid: string): Promise<JobRecord | undefined> {
    return this.guard(() => {
      const row = this.db
        .prepare<[string], JobRow>(`SELECT ${JOB_READ_COLUMNS} FROM jobs WHERE jid = ? AND fun IS NOT NULL`)
        .get(jid);
      return row === undefined ? undefined : toJobRecord(row);
    });
  }

  getJid(jid: string): Promise<Record<string, HostReturn>> {
    return this.guard(() => {
      const rows = this.db
        .prepare<[string], ReturnRow>('SELECT * FROM returns WHERE jid = ? ORDER BY rowid')
        .all(jid);
      return returnsById(rows);
    });
  }

  getJobs(query: JobQuery): Promise<JobRecord[]> {
    return this.guard(() => {
      const { sql, params } = buildJobQuery(query);
      return this.db.prepare<unknown[], JobRow>(sql).all(...params).map(toJobRecord);
    });
  }

  getStoredReturns(jid: string): Promise<StoredReturn[]> {
    return this.guard(() =>
      this.db
        .prepare<[string], { id: string; ret: string | null; retcode: number; success: number }>(
          'SELECT id, ret, retcode, success FROM returns WHERE jid = ?',
        )
        .all(jid)
        .map((row) => ({ id: row.id, ret: row.ret, retcode: row.retcode, success: row.success !== 0 })),
    );
  }

  predecessorOf(jid: string): Promise<JobRecord | undefined> {
    return this.guard(() => {
      const job = this.db.prepare<[string], { fingerprint: string | null; started_at: number }>(
        'SELECT fingerprint, started_at FROM jobs WHERE jid = ? AND fun IS NOT NULL',
      ).get(jid);
      if (job?.fingerprint == null) return undefined;
      // An interrupted or unfinished run holds only some hosts: comparing against it would report the rest as new.
      const row = this.db
        .prepare<[string, number, number, string], JobRow>(
          `SELECT ${JOB_READ_COLUMNS} FROM jobs INDEXED BY jobs_fingerprint
           WHERE fingerprint = ? AND (started_at < ? OR (started_at = ? AND jid < ?))
             AND fun IS NOT NULL AND ended_at IS NOT NULL AND interrupted IS NULL
           ORDER BY started_at DESC, jid DESC LIMIT 1`,
        )
        .get(job.fingerprint, job.started_at, job.started_at, jid);
      return row === undefined ? undefined : toJobRecord(row);
    });
  }

  activeJobs(): Promise<JobRecord[]> {
    return this.guard(() =>
      this.db
        .prepare<[], JobRow>(
          `SELECT ${JOB_READ_COLUMNS} FROM jobs WHERE ended_at IS NULL AND fun IS NOT NULL AND pid IS NOT NULL
           ORDER BY started_at DESC`,
        )
        .all()
        .filter((row) => row.pid !== null && queue.isPidAlive(row.pid))
        .map(toJobRecord),
    );
  }

  cleanOldJobs(olderThan: number, batchSize = 1000, maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    return this.guard(() => {
      const size = Math.max(1, Math.trunc(batchSize));
      const select = this.db.prepare<[number, number], { jid: string }>(
        // Kept: a job whose brine process still runs (a host hanging for a day), and one with undelivered returns.
        `SELECT jid FROM jobs WHERE started_at < ? AND NOT (ended_at IS NULL AND pid IS NOT NULL AND brine_pid_alive(pid))
           AND jid NOT IN (SELECT jid FROM pending)
         ORDER BY started_at LIMIT ?`,
      );
      const deletes = ['returns', 'jobs'].map((table) =>
        this.db.prepare(`DELETE FROM ${table} WHERE jid IN (SELECT value FROM json_each(?))`),
      );
      // One short transaction per batch, so concurrent runs wait milliseconds, not the whole cleanup.
      const batch = this.db.transaction(() => {
        const jids = select.all(olderThan, size).map((row) => row.jid);
        const list = JSON.stringify(jids);
        for (const del of deletes) del.run(list);
        return jids.length;
      });
      let removed = 0;
      for (let i = 0; i < maxBatches; i++) {
        const count = batch.immediate();
        removed += count;
        if (count < size) break;
      }
      return removed;
    });
  }

  /**
   * `job_cache: False` with a master job cache: once every returner has the job, its returns leave the
   * local cache. The job row stays, as salt keeps the jid file, so the jid is never reused.
   */
  dropDeliveredReturns(jid: string): Promise<boolean> {
    return this.guard(() => {
      const hasPending = this.db.prepare('SELECT 1 FROM pending WHERE jid = ? LIMIT 1');
      const drop = this.db.prepare('DELETE FROM returns WHERE jid = ?');
      return this.db
        .transaction(() => {
          if (hasPending.get(jid) !== undefined) return false;
          drop.run(jid);
          return true;
        })
        .immediate();
    });
  }

  importJobs(items: readonly JobImport[]): void {
    try {
      const job = this.db.prepare(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_PLACEHOLDERS})`);
      const ret = this.db.prepare(
        'INSERT INTO returns (jid, id, fun, fun_args, ret, retcode, success, stamp, out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      this.db
        .transaction(() => {
          for (const item of items) {
            job.run(...jobValues(item.job));
            for (const r of item.returns) ret.run(...returnValues(r));
          }
        })
        .immediate();
    } catch (err) {
      throw cacheError(this.file, err);
    }
  }

  heldByDeliveries(olderThan: number): Promise<{ jobs: number; deliveries: number; queues: string[] }> {
    return this.guard(() => queue.heldByDeliveries(this.db, olderThan));
  }

  claim(returner: string, limit: number, settings = ''): Promise<PendingDelivery[]> {
    return this.guard(() => queue.claim(this.db, returner, settings, limit, this.pid, this.clock()));
  }

  markDelivered(returner: string, items: readonly PendingDelivery[]): Promise<void> {
    return this.guard(() => queue.markDelivered(this.db, returner, items));
  }

  markFailed(returner: string, items: readonly PendingDelivery[], error: string): Promise<void> {
    return this.guard(() => queue.markFailed(this.db, returner, items, error, this.clock()));
  }

  setAside(returner: string, items: ReadonlyArray<{ item: PendingDelivery; error: string }>): Promise<void> {
    return this.guard(() => queue.setAside(this.db, returner, items, this.clock()));
  }

  retrySetAside(queues: readonly string[]): Promise<number> {
    return this.guard(() => queue.retrySetAside(this.db, queues));
  }

  listPending(returner?: string): Promise<PendingSummary[]> {
    return this.guard(() => queue.listPending(this.db, returner));
  }

  listSetAside(returner?: string, limit = 100): Promise<SetAsideDelivery[]> {
    return this.guard(() => queue.listSetAside(this.db, returner, limit));
  }

  pendingRoutes(): Promise<DeliveryRoute[]> {
    return this.guard(() => queue.pendingRoutes(this.db));
  }

  close(): Promise<void> {
    return this.guard(() => {
      if (this.db.isOpen) this.db.close();
    });
  }
}
