/**
 * Durable forwarding: every return is committed to the local job cache together with a delivery row
 * per returner (DeliveryQueue); this module drains those rows in batches, in the background while
 * the run goes on, with exponential backoff on failure. Nothing here throws into the run.
 */
import { describeError } from '../errors.js';
import type { DeliveryQueue, JobCache } from '../jobcache/types.js';
import { deliverBatch, eventQueueName, returnerOfQueue, EVENT_PREFIX } from './deliveries.js';
import type { Returner } from './types.js';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ForwarderOptions {
  queue: DeliveryQueue;
  /** The local job cache the queued rows point into. */
  cache: JobCache;
  /** Every returner used, by name. */
  returners: ReadonlyMap<string, Returner>;
  /** Which of them receive returns (`--return`); default: all. */
  returnTo?: readonly string[];
  /** Which of them receive job events (`event_return`), delivered from `event:<name>` rows. */
  eventReturners?: readonly string[];
  warn: (line: string) => void;
  batchSize?: number;
  retry?: RetryPolicy;
}

export interface QueueReport {
  delivered: number;
  pending: number;
  lastError?: string;
}

export interface DeliveryReport {
  delivered: number;
  pending: number;
  /** By queue name: `mysql`, `event:mysql`. */
  queues: Record<string, QueueReport>;
}

export interface Forwarder {
  /** Something was queued: deliver it soon (never waits, never throws). */
  notify(): void;
  /** Keeps delivering until nothing is pending or `timeoutMs` has passed; warns once per queue left pending. */
  finish(timeoutMs: number): Promise<DeliveryReport>;
}

interface Lane {
  name: string;
  returner: Returner;
  running: boolean;
  /** Notified while a claim was in flight: claim again before calling the lane drained. */
  dirty: boolean;
  drained: boolean;
  retryTimer: NodeJS.Timeout | undefined;
  failures: number;
  delivered: number;
  lastError: string | undefined;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 250, maxDelayMs: 5_000 };

export function startForwarder(options: ForwarderOptions): Forwarder {
  const { queue, cache, warn } = options;
  const batchSize = options.batchSize ?? 500;
  const retry = options.retry ?? DEFAULT_RETRY;
  const lanes: Lane[] = [];
  const add = (name: string, returnerName: string): void => {
    const returner = options.returners.get(returnerName);
    if (!returner || lanes.some((l) => l.name === name)) return;
    lanes.push({ name, returner, running: false, dirty: false, drained: false, retryTimer: undefined, failures: 0, delivered: 0, lastError: undefined });
  };
  for (const name of options.returnTo ?? [...options.returners.keys()]) add(name, name);
  for (const name of options.eventReturners ?? []) add(eventQueueName(name), name);

  let stopped = false;
  let onSettle: (() => void) | undefined;
  const settle = (): void => onSettle?.();

  const fail = (lane: Lane, err: unknown): void => {
    lane.lastError = describeError(err);
    lane.failures++;
    if (stopped) return;
    const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (lane.failures - 1));
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      void pump(lane);
    }, delay);
    // the run must not stay alive for a retry: finish() holds the loop until its deadline
    lane.retryTimer.unref();
  };

  async function pump(lane: Lane): Promise<void> {
    lane.drained = false;
    if (lane.running) lane.dirty = true;
    if (lane.running || lane.retryTimer || stopped) return;
    lane.running = true;
    try {
      for (;;) {
        lane.dirty = false;
        const items = await queue.claim(lane.name, batchSize);
        if (items.length === 0) {
          if (lane.dirty) continue;
          lane.drained = true;
          break;
        }
        try {
          await deliverBatch(lane.name, lane.returner, cache, items);
        } catch (err) {
          await queue.markFailed(lane.name, items, describeError(err)).catch(() => undefined);
          fail(lane, err);
          break;
        }
        await queue.markDelivered(lane.name, items);
        lane.delivered += items.length;
        lane.failures = 0;
        if (stopped) break;
      }
    } catch (err) {
      fail(lane, err); // the local queue itself failed: retry like a returner failure
    } finally {
      lane.running = false;
      settle();
    }
  }

  const notify = (): void => {
    for (const lane of lanes) void pump(lane);
  };

  async function report(): Promise<DeliveryReport> {
    const queues: Record<string, QueueReport> = {};
    const summaries = await queue.listPending().catch(() => []);
    let pending = 0;
    let delivered = 0;
    for (const lane of lanes) {
      const summary = summaries.find((s) => s.returner === lane.name);
      const count = summary?.count ?? 0;
      const lastError = lane.lastError ?? summary?.lastError;
      queues[lane.name] = { delivered: lane.delivered, pending: count, ...(lastError === undefined ? {} : { lastError }) };
      pending += count;
      delivered += lane.delivered;
      if (count > 0) {
        const base = returnerOfQueue(lane.name);
        const what = lane.name.startsWith(EVENT_PREFIX) ? 'events' : 'returns';
        const error = lastError ?? 'not delivered before the deadline';
        warn(`[WARNING ] Returner ${lane.name}: ${error}; ${count} ${what} pending (salt-run returners.flush ${base})`);
      }
    }
    return { delivered, pending, queues };
  }

  async function finish(timeoutMs: number): Promise<DeliveryReport> {
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(done, Math.max(0, timeoutMs));
      function done(): void {
        clearTimeout(deadline);
        onSettle = undefined;
        resolve();
      }
      onSettle = () => {
        if (lanes.every((l) => l.drained && !l.running)) done();
      };
      for (const lane of lanes) void pump(lane);
      settle();
    });
    stopped = true;
    for (const lane of lanes) clearTimeout(lane.retryTimer);
    return report();
  }

  return { notify, finish };
}

/** `salt-run returners.flush` and the start of every run: deliver what is pending now, within `timeoutMs`. */
export function flushPending(options: ForwarderOptions & { timeoutMs: number }): Promise<DeliveryReport> {
  return startForwarder(options).finish(options.timeoutMs);
}
