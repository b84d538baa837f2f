/** salt's `-l/--log-level` names and numbers (salt/log/setup.py): lower is more verbose. */
export const LOG_LEVELS = Object.freeze({
  all: 0,
  garbage: 1,
  trace: 5,
  debug: 10,
  profile: 15,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
  quiet: 1000,
});

export type LogLevel = keyof typeof LOG_LEVELS;

/** The levels a message can be written at (`all` and `quiet` only set thresholds). */
export type MessageLevel = Exclude<LogLevel, 'all' | 'quiet'>;

export const DEFAULT_LOG_LEVEL: LogLevel = 'warning';

export function isLogLevel(name: string): name is LogLevel {
  return Object.hasOwn(LOG_LEVELS, name);
}

/**
 * Diagnostics for the operator (`-l debug`), created by the command and passed down; never results.
 * Callers must not pass secrets (passwords, key material): a log line may go to a shared file.
 */
export interface Logger {
  /** True when a message at `level` reaches some sink: guards work done only to build a message. */
  isEnabled(level: MessageLevel): boolean;
  log(level: MessageLevel, message: string): void;
  error(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
}

/** A logger that writes nothing (library callers that pass none). */
export const SILENT_LOGGER: Logger = Object.freeze({
  isEnabled: () => false,
  log: () => undefined,
  error: () => undefined,
  warning: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
});
