import type { CacheError, ExitCodeValue } from '../errors.js';

/** The domain of a job, owned by no storage layer: what was run (load), what each host returned, what the run came to. */

/** salt's job load: what was run, on what, by whom. Stored before the first host is contacted. */
export interface JobLoad {
  jid: string;
  fun: string;
  arg: unknown[];
  /** A list for tgt_type `list` (salt's `-L`), else the target text. */
  tgt: string | string[];
  tgt_type: string;
  user: string;
  metadata?: Record<string, unknown>;
}

/**
 * salt's full return for one host, flat and honest: `return` is the module's value, `retcode` and
 * `success` are the real ones. A host that could not be reached has `return` =
 * `{_error, stdout, stderr, retcode, parsed: null}`, retcode 255 and success false.
 */
export interface HostReturn {
  id: string;
  jid: string;
  fun: string;
  fun_args: unknown[];
  return: unknown;
  retcode: number;
  success: boolean;
  /** ISO-8601 UTC time the return reached brine, e.g. `2026-11-29T04:33:01.123456`. */
  _stamp: string;
  out?: string;
}

/** A job as the cache knows it. */
export interface JobRecord {
  load: JobLoad;
  /** The roster ids the job targeted, in roster order. */
  minions: string[];
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt?: number;
  /** The brine process that ran it (for jobs.active). */
  pid?: number;
  /** The run was stopped by SIGINT/SIGTERM; the hosts without a return did not finish. */
  interrupted?: boolean;
  /** The run's `--deadline` passed; the hosts that did not finish have a timed-out return (retcode 124). */
  deadlinePassed?: boolean;
}

/** Each host's status, not its return value: a long queue-fed job must not hold every return in memory. */
export interface ReturnStatus {
  retcode: number;
  success: boolean;
}

export interface JobOutcome {
  jid: string;
  /** Every host the job drew, in the order drawn. */
  minions: string[];
  /** The hosts that returned (a host cut off by an abort did not). The values are in the cache and the `returned` events. */
  returns: ReadonlyMap<string, ReturnStatus>;
  /** See `jobExitCode`: 0, 20 (a command failed), 69 (only unreachable hosts), 124 (deadline), 130 (interrupted). */
  exitCode: ExitCodeValue;
  /** The job was aborted by its signal: hosts without a return did not finish, and the cache marks the job interrupted. */
  wasInterrupted: boolean;
  /** Set when the job's deadline passed: the hosts it cut off returned as timed out, and the cache marks the job. */
  deadline?: { seconds: number; unfinished: string[] };
  /** Hosts whose return could not be committed, in arrival order. */
  uncommitted: string[];
  /** Set when a return or the job's end could not be committed; its message names the hosts. */
  cacheError?: CacheError;
}
