/** fanOut over gates: a fixed number in flight, one retry at lower concurrency, paced starts. */
import { describe, expect, it } from 'vitest';
import { createAdaptiveLimit } from '../../../src/job/adaptive-limit.js';
import { fanOut } from '../../../src/job/fan-out.js';

/** A work item that ends when the test says so. */
function controlled() {
  const waiting = new Map<string, () => void>();
  let inFlight = 0;
  let peak = 0;
  const arrived: Array<() => void> = [];
  return {
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
    started: () => [...waiting.keys()],
    async run(key: string): Promise<void> {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      for (const notify of arrived.splice(0)) notify();
      await new Promise<void>((resolve) => waiting.set(key, resolve));
      inFlight -= 1;
    },
    finish(key: string) {
      const resolve = waiting.get(key);
      waiting.delete(key);
      resolve?.();
    },
    /** Resolves once `n` items are running. */
    async whenRunning(n: number) {
      while (waiting.size < n) await new Promise<void>((resolve) => arrived.push(resolve));
      await Promise.resolve();
    },
  };
}

describe('fanOut', () => {
  it('keeps at most the fixed number in flight', async () => {
    const work = controlled();
    const done = fanOut(['a', 'b', 'c', 'd'], 2, new AbortController().signal, (item) => work.run(item));
    await work.whenRunning(2);
    expect(work.started().sort()).toEqual(['a', 'b']);
    work.finish('a');
    await work.whenRunning(2);
    expect(work.started().sort()).toEqual(['b', 'c']);
    work.finish('b');
    work.finish('c');
    await work.whenRunning(1);
    work.finish('d');
    await done;
    expect(work.peak).toBe(2);
  });

  it('retries an item once, before new items, once at most half of the fixed number run', async () => {
    const work = controlled();
    const attempts: string[] = [];
    const done = fanOut(['a', 'b', 'c', 'd', 'e'], 4, new AbortController().signal, async (item, _handshake, attempt) => {
      attempts.push(`${item}${attempt}`);
      await work.run(`${item}${attempt}`);
      return item === 'a'; // a asks for a retry every time: it gets one
    });
    await work.whenRunning(4);
    work.finish('a1');
    // a2 waits: 3 run, and a retry starts only under 4 / 2 = 2; e (new) waits behind it
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(work.started().sort()).toEqual(['b1', 'c1', 'd1']);
    work.finish('b1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(work.started()).not.toContain('a2');
    work.finish('c1');
    await work.whenRunning(2);
    expect(work.started().sort()).toEqual(['a2', 'd1']);
    work.finish('a2');
    await work.whenRunning(2);
    expect(work.started().sort()).toEqual(['d1', 'e1']);
    work.finish('d1');
    work.finish('e1');
    await done;
    expect(attempts).toEqual(['a1', 'b1', 'c1', 'd1', 'a2', 'e1']);
  });

  it('paces starts through an adaptive gate instead of opening every connection in one tick', async () => {
    const gate = createAdaptiveLimit({ maxInFlight: 100, initial: 10, now: Date.now });
    const startedAt: number[] = [];
    await fanOut(Array.from({ length: 10 }, (_, i) => i), gate, new AbortController().signal, async (_item, handshake) => {
      startedAt.push(Date.now());
      handshake.connected(100);
      await Promise.resolve();
    });
    expect(startedAt).toHaveLength(10);
    // 10 starts about 5 ms apart (half an assumed 100 ms round trip over a limit of 10)
    expect((startedAt.at(-1) ?? 0) - (startedAt[0] ?? 0)).toBeGreaterThanOrEqual(30);
    expect(gate.connecting).toBe(0);
  });

  it('stops drawing when aborted and counts an item that never reported as abandoned', async () => {
    const gate = createAdaptiveLimit({ maxInFlight: 100, initial: 10, now: Date.now });
    const controller = new AbortController();
    const seen: number[] = [];
    await fanOut([1, 2, 3], gate, controller.signal, async (item) => {
      seen.push(item);
      controller.abort();
      await Promise.resolve();
    });
    expect(seen).toEqual([1]);
    expect(gate.connecting).toBe(0);
  });
});
