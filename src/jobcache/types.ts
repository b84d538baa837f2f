import type { HostReturn, JobRecord } from '../core/job.js';

export interface JobQuery {
  /** fnmatch globs; a job matches if its fun matches any. */
  functions?: string[];
  /** fnmatch glob against the job's arguments as typed, joined with spaces (`cat /etc/*`, `*timeout=30*`). */
  arguments?: string;
  /** fnmatch globs (salt's search_target): a job matches when any of its targets (each id of a list target) matches any. */
  targets?: string[];
  /** Any key/value pair of the job's metadata matches (salt's search_metadata). */
  metadata?: Record<string, unknown>;
  /** Epoch milliseconds, inclusive. */
  startTime?: number;
  endTime?: number;
  /** Paging, newest first. */
  limit?: number;
  offset?: number;
}

/** A return row as the cache holds it. */
export interface StoredReturn {
  id: string;
  /** The return value's JSON text. */
  ret: string | null;
  retcode: number;
  success: boolean;
}

/** Where a queued item goes: a queue (`mysql`, `event:mysql`) and the queuing run's returner settings ('' = the config's defaults). */
export interface DeliveryRoute {
  queue: string;
  settings: string;
}

/** What saveLoad/saveReturn queue deliveries for: a queue name (default settings) or a route. */
export type DeliveryTarget = string | DeliveryRoute;

export type DeliveryPayload = { kind: 'load'; job: JobRecord } | { kind: 'return'; ret: HostReturn };

/** A (returner, jid, host) still to be delivered; `id` is null for the job's load (save_load). */
export interface PendingDelivery {
  returner: string;
  jid: string;
  id: string | null;
  attempts: number;
  lastError?: string;
  /** The queuing run's `--return_config`/`--return_kwargs` as JSON; '' = the config's defaults. */
  settings: string;
  /** The load or return itself, read by the claim; absent when the cache no longer has it. */
  payload?: DeliveryPayload;
}

/** An item the returner refused for good (data too long, bad string…): parked, listed, retried on demand. */
export interface SetAsideDelivery {
  returner: string;
  jid: string;
  id: string | null;
  error: string;
}

export interface PendingSummary {
  returner: string;
  /** Every undelivered item, set-aside ones included. */
  count: number;
  oldestJid: string;
  lastError?: string;
  /** Of `count`, the items set aside (absent when none). */
  setAside?: number;
}

/**
 * The job cache every run writes to and `salt-run jobs.*` reads from. The local SQLite cache
 * implements it; a returner-backed master job cache (e.g. mysql) implements it too.
 */
export interface JobCache {
  readonly name: string;
  /** Reserves a jid unique within the cache (the passed one, validated, or a new one for `now`). */
  prepJid(now: Date, passedJid?: string): Promise<string>;
  /** Writes the load and the targeted minions; `forwardTo` returners get the load queued for delivery in the same commit. */
  saveLoad(job: JobRecord, forwardTo?: readonly DeliveryTarget[]): Promise<void>;
  /** Commits one host's return (and its queued deliveries) before resolving. */
  saveReturn(ret: HostReturn, forwardTo?: readonly DeliveryTarget[]): Promise<void>;
  /** Marks the job finished, and interrupted when it was stopped by a signal, or past its deadline (`--deadline`). */
  endJob(jid: string, endedAt: number, wasInterrupted?: boolean, hasPassedDeadline?: boolean): Promise<void>;
  getJob(jid: string): Promise<JobRecord | undefined>;
  /** `{id: return}` for every host that has a return. */
  getJid(jid: string): Promise<Record<string, HostReturn>>;
  /** Newest first. */
  getJobs(query: JobQuery): Promise<JobRecord[]>;
  /**
   * The job's predecessor: the newest earlier job with the same function, arguments and target (see
   * jobcache/fingerprint.ts) that finished and was not interrupted. Absent when the cache cannot tell (mysql).
   */
  predecessorOf?(jid: string): Promise<JobRecord | undefined>;
  /** Each host's return as stored (`ret` is its JSON text), unparsed: drift compares 5,000 of them without building objects. */
  getStoredReturns?(jid: string): Promise<StoredReturn[]>;
  /** Jobs whose brine process is still alive. */
  activeJobs(): Promise<JobRecord[]>;
  /**
   * Removes jobs started before `olderThan` (epoch ms) in batches of `batchSize` jobs, at most
   * `maxBatches` of them (default: until none is left); returns how many were removed.
   */
  cleanOldJobs(olderThan: number, batchSize?: number, maxBatches?: number): Promise<number>;
  close(): Promise<void>;
}

/** The durable outbox of returns and loads still to be delivered to returners. */
export interface DeliveryQueue {
  /**
   * Claims up to `limit` pending deliveries of one route (returner queue and settings), oldest first,
   * with their payloads, so that concurrent brine processes do not deliver the same one.
   */
  claim(returner: string, limit: number, settings?: string): Promise<PendingDelivery[]>;
  markDelivered(returner: string, items: readonly PendingDelivery[]): Promise<void>;
  /** Releases the claim and records the error; the items stay pending. */
  markFailed(returner: string, items: readonly PendingDelivery[], error: string): Promise<void>;
  /** Parks items refused for good, each with its reason: still pending and listed, never claimed until retried. */
  setAside(returner: string, items: ReadonlyArray<{ item: PendingDelivery; error: string }>): Promise<void>;
  /** Makes the set-aside items of these queues claimable again; resolves to how many. */
  retrySetAside(queues: readonly string[]): Promise<number>;
  listPending(returner?: string): Promise<PendingSummary[]>;
  /** Set-aside items, oldest first, at most `limit`. */
  listSetAside(returner?: string, limit?: number): Promise<SetAsideDelivery[]>;
  /** The distinct routes that have claimable items. */
  pendingRoutes(): Promise<DeliveryRoute[]>;
}
