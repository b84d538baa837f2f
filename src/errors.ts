/**
 * The one exit-code table. salt-ssh's codes are kept where they are right for automation
 * (0, 20, 64); brine adds sysexits-style codes where salt exits 0 on an error.
 */
export const ExitCode = {
  /** Every host returned retcode 0. */
  OK: 0,
  /** An unexpected internal failure (a bug): the message says what failed. */
  GENERIC: 1,
  /** salt's EX_AGGREGATE: at least one host failed, was unreachable or timed out. */
  AGGREGATE: 20,
  /** Bad flags or arguments (salt's EX_USAGE). */
  USAGE: 64,
  /** A jid that is not in the job cache (salt exits 0). */
  NO_INPUT: 66,
  /** No roster entry matched the target (salt exits 0, which hides typos in cron audits). */
  NO_HOST: 68,
  /** The job cache or another local file could not be read or written. */
  IO: 74,
  /** Returns are waiting for delivery to a returner (`salt-run returners.pending`). */
  TEMP_FAIL: 75,
  /** A bad roster, config or Saltfile (salt exits 0). */
  CONFIG: 78,
  /** Interrupted by SIGINT/SIGTERM; what had arrived is printed and kept. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface BrineErrorOptions {
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

/** Every error brine reports to a user: one line, naming the file, flag, key or host. */
export class BrineError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly code: string;

  constructor(code: string, message: string, options: BrineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrineError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.GENERIC;
  }
}

export class UsageError extends BrineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('EUSAGE', message, { ...options, exitCode: ExitCode.USAGE });
  }
}

export class ConfigError extends BrineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ECONFIG', message, { ...options, exitCode: ExitCode.CONFIG });
  }
}

export class NoMatchError extends BrineError {
  constructor(message = 'No matching targets found in roster.') {
    super('ENOMATCH', message, { exitCode: ExitCode.NO_HOST });
  }
}

export class JidNotFoundError extends BrineError {
  constructor(jid: string) {
    super('ENOJID', `jid ${jid} is not in the job cache`, { exitCode: ExitCode.NO_INPUT });
  }
}

export class CacheError extends BrineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ECACHE', message, { ...options, exitCode: ExitCode.IO });
  }
}

/** Turns anything thrown into one line for stderr; the stack only with DEBUG set. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
