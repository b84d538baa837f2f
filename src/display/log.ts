import { closeSync, openSync, writeSync } from 'node:fs';
import { LOG_LEVELS, isLogLevel, type LogLevel, type Logger, type MessageLevel } from '../core/log.js';
import { BrineError, ExitCode, UsageError, describeError } from '../errors.js';

export interface LoggerOptions {
  /** Threshold for stderr (`-l/--log-level`). */
  level: LogLevel;
  stderr: { write(text: string): unknown };
  /** `--log-file`: lines appended here too, with a timestamp and the pid, as salt's log file has them. */
  file?: string;
  /** `--log-file-level`; default: `level`. */
  fileLevel?: LogLevel;
  now?: () => Date;
  pid?: number;
}

export interface ClosableLogger extends Logger {
  close(): void;
}

/** `--log-level`'s value as a level, or a usage error naming the flag and the valid names. */
export function parseLogLevel(value: string, flag = '--log-level'): LogLevel {
  const name = value.toLowerCase();
  if (isLogLevel(name)) return name;
  throw new UsageError(`${flag}: '${value}' is not a log level (valid: ${Object.keys(LOG_LEVELS).join(', ')})`);
}

/** salt's `[%(levelname)-8s]`: `[DEBUG   ]`. */
export function levelTag(level: MessageLevel): string {
  return `[${level.toUpperCase().padEnd(8)}]`;
}

/**
 * The logger of one command run: salt's console lines on stderr at `level`, and with `file` salt's
 * log-file lines at `fileLevel`. Opening the file fails at once (exit 74); a later write failure stops
 * the file sink with one warning, never the job.
 */
export function createLogger(options: LoggerOptions): ClosableLogger {
  const stderrMin = LOG_LEVELS[options.level];
  const fileLevel = options.fileLevel ?? options.level;
  const fileMin = options.file === undefined ? Infinity : LOG_LEVELS[fileLevel];
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? process.pid;
  let fd = options.file === undefined ? undefined : openLogFile(options.file);

  const toStderr = (text: string) => options.stderr.write(text);
  const toFile = (level: MessageLevel, message: string) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, `${fileTimestamp(now())} ${levelTag(level)}[${pid}] ${message}\n`);
    } catch (err) {
      closeQuietly(fd);
      fd = undefined;
      toStderr(`${levelTag('warning')} cannot write --log-file ${options.file ?? ''}: ${describeError(err)}; file logging stopped\n`);
    }
  };
  const log = (level: MessageLevel, message: string) => {
    const value = LOG_LEVELS[level];
    if (value >= stderrMin) toStderr(`${levelTag(level)} ${message}\n`);
    if (value >= fileMin) toFile(level, message);
  };
  return {
    isEnabled: (level) => LOG_LEVELS[level] >= Math.min(stderrMin, fd === undefined ? Infinity : fileMin),
    log,
    error: (message) => log('error', message),
    warning: (message) => log('warning', message),
    info: (message) => log('info', message),
    debug: (message) => log('debug', message),
    trace: (message) => log('trace', message),
    close() {
      if (fd !== undefined) closeQuietly(fd);
      fd = undefined;
    },
  };
}

function openLogFile(file: string): number {
  try {
    // 0600: debug lines name hosts, users and commands.
    return openSync(file, 'a', 0o600);
  } catch (err) {
    throw new BrineError('ELOGFILE', `cannot open --log-file ${file}: ${describeError(err)}`, { exitCode: ExitCode.IO, cause: err });
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the descriptor is gone either way
  }
}

/** salt's `%(asctime)s,%(msecs)03d`: local time, `2026-11-29 04:33:01,123`. */
function fileTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${day} ${time},${String(date.getMilliseconds()).padStart(3, '0')}`;
}
