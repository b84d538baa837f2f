/**
 * Runs `work` over items from a list or an async iterable with at most `maxInFlight` at once. An item
 * is drawn only when a slot is free, so a queue feeding the job is read at the pace of the hosts.
 * Aborting stops drawing, also while the iterable is waiting for its next item; the items in flight
 * are left to end on their own (they watch the same signal). `work` must not reject.
 */
export async function fanOut<T>(
  items: Iterable<T> | AsyncIterable<T>,
  maxInFlight: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  try {
    while (!signal.aborted) {
      // Hosts in flight watch the signal themselves, so a full set of slots frees up soon after an abort.
      if (inFlight.size >= Math.max(1, maxInFlight)) {
        await Promise.race(inFlight);
        continue;
      }
      const next = await nextUnlessAborted(iterator, signal);
      if (next === undefined || next.done === true) break;
      const running: Promise<void> = work(next.value).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
  } finally {
    await Promise.all(inFlight);
    // An iterable still waiting for its next item is told to end; its pending wait is not awaited.
    if (signal.aborted) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    else await iterator.return?.();
  }
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return { next: () => Promise.resolve(iterator.next()) };
}

/** The iterator's next item, or undefined as soon as the signal aborts (a queue may wait for ever). */
async function nextUnlessAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | undefined> {
  if (signal.aborted) return undefined;
  let onAbort = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([iterator.next(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
