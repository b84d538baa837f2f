/** A progress line on stderr for long fan-outs: hosts done/total, failed, elapsed, the fan-out's concurrency. */
export interface Progress {
  hostDone(hasFailed: boolean): void;
  /** The fan-out's current concurrency (adaptive handshakes at once, or `--max-procs`). */
  concurrency(limit: number): void;
  /** Erases the line so a result block can be printed, then redraws it on the next tick. */
  clear(): void;
  stop(): void;
}

export const SILENT_PROGRESS: Progress = Object.freeze({ hostDone() {}, concurrency() {}, clear() {}, stop() {} });

/** Only on a terminal, never when stderr is piped or under cron/CI. */
export function createProgress(
  stream: NodeJS.WriteStream,
  total: number,
  env: NodeJS.ProcessEnv,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY || env.CI || env.TERM === 'dumb' || total < 2) return SILENT_PROGRESS;
  const startedAt = now();
  let done = 0;
  let failed = 0;
  let limit: number | undefined;
  let isShown = false;
  const draw = () => {
    const seconds = ((now() - startedAt) / 1000).toFixed(1);
    const fanOut = limit === undefined ? '' : `, concurrency ${limit}`;
    stream.write(`\r\x1b[K${done}/${total} hosts done, ${failed} failed, ${seconds}s${fanOut}`);
    isShown = true;
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    hostDone(hasFailed) {
      done += 1;
      if (hasFailed) failed += 1;
    },
    concurrency(value) {
      limit = value;
    },
    clear() {
      if (isShown) stream.write('\r\x1b[K');
      isShown = false;
    },
    stop() {
      clearInterval(timer);
      if (isShown) stream.write('\r\x1b[K');
      isShown = false;
    },
  };
}
