import type { MasterOptions } from '../config/types.js';
import type { JobCache } from '../jobcache/types.js';

/** What a runner function gets from `salt-run`: the job cache, the master options and an injected clock. */
export interface RunnerContext {
  cache: JobCache;
  opts: MasterOptions;
  now: () => Date;
  /**
   * salt's `display_progress=True` events (`{message: ...}`); the caller prints each as salt's
   * `event:` / `suffix: progress` block before the result.
   */
  progress?: (event: { message: string }) => void;
  /** Notes and warnings for stderr, one line each. */
  warn?: (line: string) => void;
}

export interface RunnerResult {
  /** What the outputter renders: a dict for most functions, a list, a number or `false` for some. */
  data: unknown;
  /** The process exit code (from src/errors.ts ExitCode), e.g. 20 from jobs.exit_success when a host failed. */
  exitCode: number;
  /** An outputter the function asks for (salt's `{"outputter": ..., "data": ...}`); `--out` still wins. */
  outputter?: string;
}

/**
 * A `salt-run` function. `args` and `kwargs` arrive YAML-loaded from the command line
 * (`missing=True` → true, `count=5` → 5). Bad arguments throw UsageError naming the function and
 * argument; a jid that is not in the cache throws JidNotFoundError.
 */
export interface RunnerFunction {
  /** One paragraph: what it does and its arguments, salt's names. */
  doc: string;
  run(args: unknown[], kwargs: Record<string, unknown>, ctx: RunnerContext): Promise<RunnerResult>;
}
