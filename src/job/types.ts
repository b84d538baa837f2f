import type { HostReturn, JobLoad, JobOutcome } from '../core/job.js';
import type { Logger } from '../core/log.js';
import type { DeliveryTarget, JobCache } from '../jobcache/types.js';
import type { ModuleFunction } from '../modules/types.js';
import type { TransportSet } from '../transport/registry.js';
import type { ConnectOptions, HostTarget } from '../transport/types.js';
import type { ParsedArgs } from './args.js';

/** What to run, on which hosts, and how to reach them. */
export interface JobRequest {
  /** A list for `-L`, as salt stores it. */
  tgt: string | string[];
  tgtType: string;
  /**
   * The hosts, as a list (the matched roster entries, in roster order) or as an async iterable that a
   * queue or scheduler feeds: hosts are drawn only while fewer than `maxProcs` are in flight, and the
   * job ends when the iterable does (or on abort).
   *
   * The load's `minions` (the `started` event and the cache row written before any host is contacted)
   * is the list when it is one; for an iterable it is empty at the start, since nothing is known yet,
   * and the job records every host it drew (`JobOutcome.minions`) in the cache when it ends.
   */
  targets: readonly HostTarget[] | AsyncIterable<HostTarget>;
  fun: string;
  /** The CLI arguments as typed (salt's load `arg`). */
  argv: readonly string[];
  parsed: ParsedArgs;
  fn: ModuleFunction;
  /** Use this jid (validated, must be new) instead of generating one. */
  jid?: string;
  /** Hosts in flight at once; with `isAdaptive`, the most in flight while the handshakes adapt (job/adaptive-limit.ts). */
  maxProcs: number;
  /** Adapt the number of handshakes at once to their latency (salt-ssh's default); otherwise `maxProcs` hosts start together. */
  isAdaptive?: boolean;
  commandTimeoutSec: number;
  /** Bytes kept per host per stream (`ssh_max_output_bytes`); the transport's default when absent. */
  maxOutputBytes?: number;
  connect: ConnectOptions;
  /** Returners that get the load and every return through the cache's durable delivery queue. */
  forwardTo?: readonly DeliveryTarget[];
  /**
   * The routes one return is queued to, instead of `forwardTo` (e.g. only failed or changed returns to an
   * alert returner: delivery/alert-filter.ts). Must not reject; the load still goes to every `forwardTo` route.
   */
  routeReturn?: (ret: HostReturn) => Promise<readonly DeliveryTarget[]>;
  metadata?: Record<string, unknown>;
}

/** What a job runs with, built by its caller: nothing here is global. */
export interface JobContext {
  cache: JobCache;
  /** The transport for each roster `connection` name (`createTransports()` from the registry). */
  transports: TransportSet;
  now: () => Date;
  /** The OS user running brine (salt's load `user`). */
  user: string;
  /** The process running the job (for `jobs.active`). */
  pid: number;
  /** `-l debug`: each host's command and how it ended. */
  log?: Logger;
}

/** The jid is reserved and the load is committed; no host has been contacted yet. */
export interface JobStarted {
  type: 'started';
  jid: string;
  load: JobLoad;
  /** The hosts known at the start (see `JobRequest.targets`). */
  minions: string[];
}

/**
 * One host's return, committed to the job cache (with its queued deliveries) before this event is
 * emitted. `isCommitted` is false only when the commit failed (a full disk, a lock held past its
 * timeout): the return is still reported, and the outcome's `uncommitted` and `cacheError` name it.
 */
export interface HostReturned {
  type: 'returned';
  jid: string;
  ret: HostReturn;
  isCommitted: boolean;
}

/** The job's end is recorded (or could not be: see `JobOutcome.cacheError`). Always the last event. */
export interface JobFinished {
  type: 'finished';
  outcome: JobOutcome;
}

export type JobEvent = JobStarted | HostReturned | JobFinished;

/** The fan-out's concurrency changed (for a progress line; not one of the job's `JobEvent`s). */
export interface JobConcurrency {
  type: 'concurrency';
  /** Handshakes allowed at once (adaptive), or the fixed `maxProcs`. */
  limit: number;
}

/**
 * Callbacks on the job's events. A hook may return a promise: the host's slot (one of `maxProcs`)
 * stays taken until it settles, which is how a slow consumer slows the job instead of piling up
 * returns. A hook that throws does not stop the job: every host still runs and is committed, and
 * `runJob` rejects with the first such error once the job has ended.
 */
export interface JobHooks {
  onStarted?(event: JobStarted): void | Promise<void>;
  onReturned?(event: HostReturned): void | Promise<void>;
  onFinished?(event: JobFinished): void | Promise<void>;
  /** The fan-out's concurrency at the start and each time it changes; must not be slow (its promise is not awaited). */
  onConcurrency?(event: JobConcurrency): void;
}
