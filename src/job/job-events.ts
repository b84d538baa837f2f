import { runJob } from './run-job.js';
import type { JobContext, JobEvent, JobRequest } from './types.js';

export interface JobEventsOptions {
  /** Aborting stops the job as `runJob`'s signal does; the iterable still ends with `finished`. */
  signal?: AbortSignal;
  /** Events held for a consumer that has not read them yet (default 64); past it the hosts wait. */
  bufferSize?: number;
}

const DEFAULT_BUFFER_SIZE = 64;

/**
 * The job's events as an async iterable, built on `runJob`'s hooks: `started`, one `returned` per host
 * (committed to the cache before it is buffered), then `finished` with the outcome. The job starts
 * when iteration starts. A consumer slower than the hosts fills the buffer; then each finished host
 * holds its slot until there is room, so brine holds at most `bufferSize` + `maxProcs` returns while
 * every return is still committed as it arrives. Leaving the loop early (break, throw) aborts the job,
 * which is then marked interrupted, and waits for its end to be recorded. A job that cannot start
 * (e.g. a jid already in the cache) throws from the loop.
 */
export function jobEvents(request: JobRequest, context: JobContext, options: JobEventsOptions = {}): AsyncIterable<JobEvent> {
  return { [Symbol.asyncIterator]: () => iterate(request, context, options) };
}

async function* iterate(request: JobRequest, context: JobContext, options: JobEventsOptions): AsyncGenerator<JobEvent> {
  const bufferSize = Math.max(1, options.bufferSize ?? DEFAULT_BUFFER_SIZE);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const buffer: JobEvent[] = [];
  const waitingForRoom: Array<() => void> = [];
  let wakeConsumer: (() => void) | undefined;
  let end: { error?: Error } | undefined;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const push = async (event: JobEvent) => {
    buffer.push(event);
    wake();
    // Once the consumer has left (abort), nobody will make room: the host lets go of its slot.
    while (buffer.length > bufferSize && !controller.signal.aborted) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
  };
  const releaseAll = () => {
    for (const resolve of waitingForRoom.splice(0)) resolve();
  };
  controller.signal.addEventListener('abort', releaseAll, { once: true });

  const job = runJob(request, context, { signal: controller.signal, hooks: { onStarted: push, onReturned: push, onFinished: push } }).then(
    () => {
      end = {};
      wake();
    },
    (err: unknown) => {
      end = { error: err instanceof Error ? err : new Error(String(err)) };
      wake();
    },
  );
  try {
    for (;;) {
      const event = buffer.shift();
      if (event !== undefined) {
        waitingForRoom.shift()?.();
        yield event;
        continue;
      }
      if (end !== undefined) break;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
    if (end?.error !== undefined) throw end.error;
  } finally {
    if (end === undefined) controller.abort();
    await job;
    options.signal?.removeEventListener('abort', onAbort);
  }
}
