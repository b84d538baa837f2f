import { ExitCode, type ExitCodeValue } from '../errors.js';

/** The process exit code for a finished job: salt's 0/20, plus 130 when it was interrupted. */
export function jobExitCode(
  returns: ReadonlyMap<string, { retcode: number; success: boolean }>,
  targeted: number,
  wasInterrupted: boolean,
): ExitCodeValue {
  if (wasInterrupted) return ExitCode.INTERRUPTED;
  if (returns.size < targeted) return ExitCode.AGGREGATE;
  for (const ret of returns.values()) {
    if (ret.retcode !== 0 || !ret.success) return ExitCode.AGGREGATE;
  }
  return ExitCode.OK;
}
