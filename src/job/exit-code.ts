import { ExitCode, type ExitCodeValue } from '../errors.js';

/** retcode of a host that SSH itself could not reach or run on (salt-ssh's). */
export const SSH_FAILED = 255;

/** How the job ended, besides its returns. */
export interface JobEnd {
  wasInterrupted: boolean;
  /** `--deadline` passed before every host finished. */
  hasPassedDeadline?: boolean;
}

/**
 * The process exit code for a finished job, most urgent first: 130 interrupted, 124 deadline passed,
 * 20 a command ran and failed (also when other hosts were unreachable: the audit found something),
 * 69 hosts unreachable or SSH failed (retcode 255) and nothing else failed, 0 all returned retcode 0.
 * A targeted host without a return (the job could not reach it at all) counts as failed.
 */
export function jobExitCode(
  returns: ReadonlyMap<string, { retcode: number; success: boolean }>,
  targeted: number,
  end: boolean | JobEnd,
): ExitCodeValue {
  const { wasInterrupted, hasPassedDeadline = false } = typeof end === 'boolean' ? { wasInterrupted: end } : end;
  if (wasInterrupted) return ExitCode.INTERRUPTED;
  if (hasPassedDeadline) return ExitCode.DEADLINE;
  if (returns.size < targeted) return ExitCode.AGGREGATE;
  let isUnreachable = false;
  for (const ret of returns.values()) {
    if (ret.retcode === SSH_FAILED) isUnreachable = true;
    else if (ret.retcode !== 0 || !ret.success) return ExitCode.AGGREGATE;
  }
  return isUnreachable ? ExitCode.UNAVAILABLE : ExitCode.OK;
}

/** The ids of the hosts SSH could not reach or run on, in arrival order. */
export function unreachableHosts(returns: ReadonlyMap<string, { retcode: number }>): string[] {
  return [...returns].filter(([, ret]) => ret.retcode === SSH_FAILED).map(([id]) => id);
}
