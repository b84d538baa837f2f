/** The adaptive handshake limit on a fake clock: slow start, backing off on latency and congestion, caps, pacing. */
import { describe, expect, it } from 'vitest';
import { createAdaptiveLimit, type LimitChange } from '../../../src/job/adaptive-limit.js';
import type { Handshake } from '../../../src/job/fan-out.js';

function setUp(maxInFlight = 500, initial = 10) {
  let clock = 0;
  const changes: LimitChange[] = [];
  const limit = createAdaptiveLimit({ maxInFlight, initial, now: () => clock, onChange: (change) => changes.push(change) });
  /** Starts `n` handshakes and lets them finish after `latencyMs` each, the clock moving on by `latencyMs`. */
  const round = (n: number, latencyMs: number) => {
    const started: Handshake[] = [];
    for (let i = 0; i < n; i += 1) started.push(limit.start());
    clock += latencyMs;
    for (const handshake of started) handshake.connected(latencyMs);
  };
  return { limit, changes, round, tick: (ms: number) => (clock += ms) };
}

describe('adaptive handshake limit', () => {
  it('doubles per round trip while latency stays flat (slow start), and says so once per eighth', () => {
    const { limit, changes, round } = setUp();
    expect(limit.limit).toBe(10);
    round(10, 40);
    expect(limit.limit).toBe(20);
    round(20, 40);
    expect(limit.limit).toBe(40);
    expect(changes.length).toBeGreaterThan(2);
    expect(changes.length).toBeLessThan(20);
    expect(changes.at(-1)).toMatchObject({ to: 40, reason: expect.stringContaining('slow start') as string });
  });

  it('does not grow while it is not in use (the hosts, not the handshakes, are the bottleneck)', () => {
    const { limit, round } = setUp();
    round(2, 40);
    round(2, 40);
    expect(limit.limit).toBe(10);
  });

  it('shrinks when latency climbs past twice the lowest, at most once per round trip, then grows by one per round', () => {
    const { limit, changes, round, tick } = setUp();
    round(10, 40);
    round(20, 40);
    expect(limit.limit).toBe(40);
    round(40, 400);
    const shrunk = limit.limit;
    expect(shrunk).toBeLessThan(40);
    expect(shrunk).toBeGreaterThanOrEqual(20); // at most half at once
    expect(changes.at(-1)?.reason).toMatch(/handshake latency \d+ ms, over 2× the lowest 40 ms/);
    // latency back to normal: congestion avoidance adds about one per round, no more doubling
    tick(1000);
    for (let i = 0; i < 30; i += 1) round(shrunk, 40);
    expect(limit.limit).toBeGreaterThan(shrunk);
    expect(limit.limit).toBeLessThan(shrunk + 35);
  });

  it('halves on a handshake that timed out or was reset, and ignores failures that say nothing about load', () => {
    const { limit, changes, round, tick } = setUp();
    round(10, 40);
    expect(limit.limit).toBe(20);
    limit.start().failed(false); // refused, denied: the host's own answer
    expect(limit.limit).toBe(20);
    tick(100);
    limit.start().failed(true);
    expect(limit.limit).toBe(10);
    expect(changes.at(-1)).toEqual({ from: 20, to: 10, reason: 'a handshake timed out or was reset after TCP connected' });
    limit.start().failed(true); // the same round trip: the same congestion, not halved twice
    expect(limit.limit).toBe(10);
    expect(limit.connecting).toBe(0);
  });

  it('admits new handshakes up to the limit, retries up to half of it, hosts up to maxInFlight', () => {
    const { limit } = setUp(12, 10);
    const started = Array.from({ length: 9 }, () => limit.start());
    expect(limit.canStart(9, false)).toBe(true);
    expect(limit.canStart(9, true)).toBe(false);
    limit.start();
    expect(limit.canStart(10, false)).toBe(false);
    for (const handshake of started) handshake.connected(40);
    expect(limit.connecting).toBe(1);
    expect(limit.canStart(11, true)).toBe(true);
    expect(limit.canStart(12, false)).toBe(false); // maxInFlight
  });

  it('never goes past maxInFlight, under 8 on latency alone, or under 2', () => {
    const { limit, round, tick } = setUp(16, 10);
    for (let i = 0; i < 5; i += 1) round(16, 40);
    expect(limit.limit).toBe(16);
    for (let i = 0; i < 10; i += 1) round(16, 4000);
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 10; i += 1) {
      tick(1000);
      limit.start().failed(true);
    }
    expect(limit.limit).toBe(2);
  });

  it('paces starts: in slow start a full limit of starts is spread over half a round trip', () => {
    const { limit, tick } = setUp(500, 10);
    expect(limit.delayMs()).toBe(0);
    limit.start(); // before any sample a round trip is assumed to be 100 ms: 5 ms apart
    expect(limit.delayMs()).toBe(5);
    tick(2);
    expect(limit.delayMs()).toBe(3);
    tick(3);
    expect(limit.delayMs()).toBe(0);
  });

  it('settles changed() when a handshake ends, so a waiting fan-out wakes', async () => {
    const { limit } = setUp();
    const handshake = limit.start();
    let woke = false;
    const waiting = limit.changed()?.then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    handshake.abandoned();
    await waiting;
    expect(woke).toBe(true);
    handshake.connected(10); // after abandoned: ignored
    expect(limit.connecting).toBe(0);
  });
});
