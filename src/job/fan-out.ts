/** One host's connection attempt, as the gate counts it; the first report wins, later ones are ignored. */
export interface Handshake {
  /** Logged in after `latencyMs` (connect, banner, key exchange, authentication). */
  connected(latencyMs: number): void;
  /** Failed; `isCongestion` when it looks like load (timed out after TCP, reset during the handshake). */
  failed(isCongestion: boolean): void;
  /** Ended without a connect (aborted, never tried). */
  abandoned(): void;
}

/** Decides when the fan-out may start the next item: a fixed number in flight, or an adaptive limit. */
export interface FanOutGate {
  /** Whether one more item may start while `inFlight` run; a retry waits for a lower concurrency. */
  canStart(inFlight: number, isRetry: boolean): boolean;
  /** Milliseconds to wait before the next start, so connections are paced; 0: start now. */
  delayMs(): number;
  /** An item is starting its connection. */
  start(): Handshake;
  /** Settles on the gate's next change (a slot freed, the limit moved); undefined: it changes only when items end. */
  changed(): Promise<void> | undefined;
}

const NO_HANDSHAKE: Handshake = Object.freeze({ connected() {}, failed() {}, abandoned() {} });

/** `maxInFlight` items at once, started together; a retry waits until at most half of them run. */
export function fixedGate(maxInFlight: number): FanOutGate {
  const max = Math.max(1, maxInFlight);
  const retryMax = Math.max(1, Math.floor(max / 2));
  return {
    canStart: (inFlight, isRetry) => inFlight < (isRetry ? retryMax : max),
    delayMs: () => 0,
    start: () => NO_HANDSHAKE,
    changed: () => undefined,
  };
}

/**
 * Does one item's work; resolves true when the item should be tried once more later (its handshake
 * timed out after TCP succeeded). Must not reject.
 */
export type FanOutWork<T> = (item: T, handshake: Handshake, attempt: 1 | 2) => Promise<boolean | void>;

/**
 * Runs `work` over items from a list or an async iterable as the gate allows (a number: that many at
 * once). An item is drawn only when the gate has room, so a queue feeding the job is read at the pace
 * of the hosts. An item whose work asks for a retry is tried once more, before new items, once the gate
 * allows a retry. Aborting stops drawing, also while the iterable is waiting for its next item; the
 * items in flight are left to end on their own (they watch the same signal).
 */
export async function fanOut<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number | FanOutGate,
  signal: AbortSignal,
  work: FanOutWork<T>,
): Promise<void> {
  const gate = typeof limit === 'number' ? fixedGate(limit) : limit;
  const inFlight = new Set<Promise<void>>();
  const retries: T[] = [];
  let isDrained = false;
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  const begin = (item: T, attempt: 1 | 2) => {
    const handshake = gate.start();
    const running: Promise<void> = work(item, handshake, attempt)
      .then((wantsRetry) => {
        if (wantsRetry === true && attempt === 1 && !signal.aborted) retries.push(item);
      })
      .finally(() => {
        handshake.abandoned();
        inFlight.delete(running);
      });
    inFlight.add(running);
  };
  try {
    while (!signal.aborted) {
      const isRetry = retries.length > 0;
      if (!isRetry && isDrained) {
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      // Hosts in flight watch the signal themselves, so a full set of slots frees up soon after an abort.
      if (inFlight.size > 0 && !gate.canStart(inFlight.size, isRetry)) {
        const changed = gate.changed();
        await Promise.race(changed === undefined ? inFlight : [...inFlight, changed]);
        continue;
      }
      const delay = gate.delayMs();
      if (delay > 0) {
        await pause(delay, signal);
        continue;
      }
      if (isRetry) {
        begin(retries.shift() as T, 2);
        continue;
      }
      const next = await nextUnlessAborted(iterator, signal);
      if (next === undefined) break;
      if (next.done === true) isDrained = true;
      else begin(next.value, 1);
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

/** Waits `ms` between paced starts, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
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
