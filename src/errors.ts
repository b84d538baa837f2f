/**
 * The one exit-code table. salt-ssh's codes are kept where they are right for automation
 * (0, 20, 64); brine adds sysexits-style codes where salt exits 0 on an error.
 */
export const ExitCode = {
  /** Every host returned retcode 0. */
  OK: 0,
  /** An unexpected internal failure (a bug): the message says what failed. */
  GENERIC: 1,
  /** `salt-run jobs.diff`: some host's return changed (or it is new, missing, newly failing or recovered) since the other job. */
  CHANGED: 3,
  /** salt's EX_AGGREGATE: a command ran and failed (or outlived --timeout) on at least one host; also a mixed run where other hosts were unreachable. */
  AGGREGATE: 20,
  /** Bad flags or arguments (salt's EX_USAGE). */
  USAGE: 64,
  /** A jid that is not in the job cache (salt exits 0). */
  NO_INPUT: 66,
  /** No roster entry matched the target (salt exits 0, which hides typos in cron audits). */
  NO_HOST: 68,
  /** sysexits' EX_UNAVAILABLE: some hosts could not be reached or SSH failed under them (retcode 255), and no command failed. */
  UNAVAILABLE: 69,
  /** The job cache or another local file could not be read or written. */
  IO: 74,
  /**
   * Try again later: returns are waiting for delivery (`salt-run returners.pending`/`flush`), or, for
   * salt-ssh `--lock`, the same audit is still running and this run was skipped. Never both from one command.
   */
  TEMP_FAIL: 75,
  /** A bad roster, config or Saltfile (salt exits 0). */
  CONFIG: 78,
  /** `--deadline`/`ssh_run_deadline` passed: the unfinished hosts are returned as timed out (GNU timeout's code). */
  DEADLINE: 124,
  /** Interrupted by SIGINT/SIGTERM; what had arrived is printed and kept. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per code for `--help`'s EXIT CODES; a code without its line does not compile. */
export const EXIT_CODE_HELP: Readonly<Record<keyof typeof ExitCode, string>> = Object.freeze({
  OK: 'every targeted host returned retcode 0',
  GENERIC: 'internal error (a bug); the stack with DEBUG=1',
  CHANGED: "salt-run jobs.diff: a host's return changed since the other job",
  AGGREGATE: "a command failed or timed out on a host (salt's EX_AGGREGATE)",
  USAGE: 'bad flag, argument, function or outputter',
  NO_INPUT: 'jid not in the job cache',
  NO_HOST: 'no roster entry matched the target',
  UNAVAILABLE: 'hosts could not be reached (SSH failed) and no command failed',
  IO: 'the job cache, --out-file, --log-file or stdout could not be read or written',
  TEMP_FAIL: 'returns wait for delivery (returners.pending), or --lock: the same audit still runs',
  CONFIG: 'bad roster, master config or Saltfile',
  DEADLINE: '--deadline passed: unfinished hosts timed out',
  INTERRUPTED: 'interrupted (SIGINT/SIGTERM, or Ctrl-C at the --askpass prompt)',
});

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

/** salt-ssh `--lock`: the same audit is still running; this run did nothing. */
export class AuditRunningError extends BrineError {
  constructor(message: string) {
    super('ERUNNING', message, { exitCode: ExitCode.TEMP_FAIL });
  }
}

export class CacheError extends BrineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ECACHE', message, { ...options, exitCode: ExitCode.IO });
  }
}

/** Turns anything thrown into one line for stderr; the stack only with DEBUG set. */
/** Node 24's TLS errors advise a Node flag; brine's users fix trust with the returner's CA key instead. */
const NODE_FLAG_HINT = /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/;

export function describeError(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return String(err);
  return (message.split('\n')[0] ?? '').replace(NODE_FLAG_HINT, '');
}
