import { DEFAULT_LOG_LEVEL } from '../core/log.js';
import { createLogger, parseLogLevel, type ClosableLogger } from '../display/log.js';

/** The log flags as oclif parses them; `--log-file`/`--log-file-level` may be absent from a command. */
export interface LogFlagValues {
  'log-level'?: string | undefined;
  'log-file'?: string | undefined;
  'log-file-level'?: string | undefined;
}

/** The run's logger from `-l/--log-level` (salt's default: warning) and, when given, `--log-file`/`--log-file-level`. */
export function openCommandLogger(flags: LogFlagValues, stderr: { write(text: string): unknown }): ClosableLogger {
  const level = flags['log-level'] === undefined ? DEFAULT_LOG_LEVEL : parseLogLevel(flags['log-level']);
  const file = flags['log-file'];
  const fileLevel = flags['log-file-level'];
  return createLogger({
    level,
    stderr,
    ...(file === undefined ? {} : { file }),
    ...(fileLevel === undefined ? {} : { fileLevel: parseLogLevel(fileLevel, '--log-file-level') }),
  });
}
