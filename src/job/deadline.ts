import { saltStamp } from '../salt/jid.js';
import type { HostReturn } from '../core/job.js';
import { COMMAND_TIMED_OUT } from './host.js';

/** The abort reason of a job whose `--deadline` passed, told apart from Ctrl-C/SIGTERM (any other reason). */
export class DeadlinePassed extends Error {
  constructor(readonly seconds: number) {
    super(`Run deadline of ${seconds} seconds passed`);
    this.name = 'DeadlinePassed';
  }
}

export interface JobSignal {
  /** Aborted by the caller's signal or by the deadline, whichever comes first. */
  signal: AbortSignal;
  /** True when the deadline, not the caller, aborted the job. */
  hasPassedDeadline(): boolean;
  dispose(): void;
}

/** The job's signal: the caller's, plus a timer that aborts it with DeadlinePassed after `deadlineSec`. */
export function jobSignal(outer: AbortSignal | undefined, deadlineSec: number | undefined): JobSignal {
  if (deadlineSec === undefined) {
    const signal = outer ?? new AbortController().signal;
    return { signal, hasPassedDeadline: () => false, dispose: () => undefined };
  }
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => controller.abort(new DeadlinePassed(deadlineSec)), deadlineSec * 1000);
  return {
    signal: controller.signal,
    hasPassedDeadline: () => controller.signal.aborted && controller.signal.reason instanceof DeadlinePassed,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}

export interface DeadlineCall {
  id: string;
  jid: string;
  fun: string;
  funArgs: unknown[];
  seconds: number;
  now: Date;
}

/**
 * The return of a host the deadline cut off (or never reached): timed out like `--timeout` (retcode 124),
 * with the output it had sent when the cut host's return kept any.
 */
export function deadlineReturn(call: DeadlineCall, cut?: HostReturn): HostReturn {
  const was = (cut?.return ?? {}) as { stdout?: unknown; stderr?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const reason = cut === undefined ? `Run deadline of ${call.seconds} seconds passed before the host was contacted` : `Run deadline of ${call.seconds} seconds passed`;
  return {
    id: call.id,
    jid: call.jid,
    fun: call.fun,
    fun_args: call.funArgs,
    return: { _error: reason, stdout: text(was.stdout), stderr: text(was.stderr), retcode: COMMAND_TIMED_OUT },
    retcode: COMMAND_TIMED_OUT,
    success: false,
    _stamp: saltStamp(call.now),
  };
}
