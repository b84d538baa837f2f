/**
 * Durable forwarding: every return is committed to the local job cache together with a delivery row
 * per returner (DeliveryQueue); this module drains those rows in batches, in the background while
 * the run goes on, with exponential backoff on transient failures. One lane per route (queue and the
 * queuing run's returner settings), so items wait for their own database only. Nothing here throws
 * into the run.
 */
import { describeError } from '../errors.js';
import type { DeliveryQueue, DeliveryRoute, PendingDelivery } from '../jobcache/types.js';
import { DEFAULT_CALL_TIMEOUT_MS, deliverBatch, deliveryQueues, returnerOfQueue, EVENT_PREFIX } from './deliveries.js';
import { failureScope } from '../returners/failure.js';
import type { Returner } from '../returners/types.js';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ForwarderOptions {
  queue: DeliveryQueue;
  /** The returners for items queued with `settings`, by name. */
  returners: ReadonlyMap<string, Returner>;
  /** The returner settings `returners` were built with (this run's); '' = the config's defaults. */
  settings?: string;
  /**
   * Builds a returner for items earlier runs queued with other settings (the forwarder closes it);
   * without it those items wait for a forwarder that has one.
   */
  loadReturner?: (name: string, settings: string) => Promise<Returner>;
  /** Which returners receive returns (`--return`); default: all of `returners`. */
  returnTo?: readonly string[];
  /** Which of them receive job events (`event_return`), delivered from `event:<name>` rows. */
  eventReturners?: readonly string[];
  warn: (line: string) => void;
  batchSize?: number;
  retry?: RetryPolicy;
  /** Hard deadline for each returner call; past it the items stay queued. */
  callTimeoutMs?: number;
}

export interface QueueReport {
  delivered: number;
  /** Everything still undelivered, set-aside items included. */
  pending: number;
  setAside: number;
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

interface Lane extends DeliveryRoute {
  returner: Returner | undefined;
  running: boolean;
  /** Notified while a claim was in flight: claim again before calling the lane drained. */
  dirty: boolean;
  drained: boolean;
  /** A permanent error (auth, unknown database…): no more tries this run. */
  halted: boolean;
  retryTimer: NodeJS.Timeout | undefined;
  failures: number;
  delivered: number;
  /** This run's last error on the lane; never one read back from an earlier run. */
  lastError: string | undefined;
  /** The batch a returner call holds now. */
  inFlight: readonly PendingDelivery[];
}

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 250, maxDelayMs: 5_000 };
/** A returner's close (e.g. a pool's QUIT to a hung server) is not worth more of the run's time. */
const CLOSE_TIMEOUT_MS = 1_000;

export function closeQuietly(returner: Returner): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  return Promise.race([returner.close().catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

export function startForwarder(options: ForwarderOptions): Forwarder {
  const { queue, warn } = options;
  const batchSize = options.batchSize ?? 500;
  const retry = options.retry ?? DEFAULT_RETRY;
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const ownSettings = options.settings ?? '';
  const queueNames = deliveryQueues(options.returnTo ?? [...options.returners.keys()], options.eventReturners ?? []);
  const lanes: Lane[] = [];
  const built: Returner[] = [];
  const add = (route: DeliveryRoute, returner: Returner | undefined): Lane | undefined => {
    if (lanes.some((l) => l.queue === route.queue && l.settings === route.settings)) return undefined;
    const lane: Lane = {
      ...route, returner, running: false, dirty: false, drained: false, halted: false,
      retryTimer: undefined, failures: 0, delivered: 0, lastError: undefined, inFlight: [],
    };
    lanes.push(lane);
    return lane;
  };
  for (const name of queueNames) {
    const returner = options.returners.get(returnerOfQueue(name));
    if (returner) add({ queue: name, settings: ownSettings }, returner);
  }

  let stopped = false;
  let onSettle: (() => void) | undefined;
  const settle = (): void => onSettle?.();

  const fail = (lane: Lane, err: unknown): void => {
    lane.lastError = describeError(err);
    if (failureScope(err) === 'returner') {
      lane.halted = true; // retrying cannot help; every later run would pay the whole wait
      return;
    }
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

  async function returnerOf(lane: Lane): Promise<Returner> {
    if (lane.returner) return lane.returner;
    if (!options.loadReturner) throw new Error(`no returner for queue ${lane.queue}`);
    const returner = await options.loadReturner(returnerOfQueue(lane.queue), lane.settings);
    built.push(returner);
    lane.returner = returner;
    return returner;
  }

  async function pump(lane: Lane): Promise<void> {
    lane.drained = false;
    if (lane.running) lane.dirty = true;
    if (lane.running || lane.retryTimer || lane.halted || stopped) return;
    lane.running = true;
    try {
      const returner = await returnerOf(lane);
      for (;;) {
        lane.dirty = false;
        const items = await queue.claim(lane.queue, batchSize, lane.settings);
        if (items.length === 0) {
          if (lane.dirty) continue;
          lane.drained = true;
          break;
        }
        lane.inFlight = items;
        const outcome = await deliverBatch(lane.queue, returner, items, callTimeoutMs);
        lane.inFlight = [];
        if (outcome.delivered.length > 0) await queue.markDelivered(lane.queue, outcome.delivered);
        if (outcome.setAside.length > 0) await queue.setAside(lane.queue, outcome.setAside);
        lane.delivered += outcome.delivered.length;
        if (outcome.error !== undefined) {
          await queue.markFailed(lane.queue, outcome.failed, describeError(outcome.error)).catch(() => undefined);
          fail(lane, outcome.error);
          break;
        }
        lane.failures = 0;
        lane.lastError = undefined;
        if (stopped) break;
      }
    } catch (err) {
      fail(lane, err); // the local queue itself failed, or the returner could not be built
    } finally {
      lane.running = false;
      settle();
    }
  }

  /** Lanes for what earlier runs queued to the same returners with other settings. */
  async function discover(): Promise<void> {
    if (!options.loadReturner) return;
    const routes = await queue.pendingRoutes().catch(() => []);
    for (const route of routes) {
      if (!queueNames.includes(route.queue)) continue;
      const lane = add(route, route.settings === ownSettings ? options.returners.get(returnerOfQueue(route.queue)) : undefined);
      if (lane) void pump(lane);
    }
  }
  const discovered = discover();

  const notify = (): void => {
    for (const lane of lanes) void pump(lane);
  };

  async function report(): Promise<DeliveryReport> {
    const queues: Record<string, QueueReport> = {};
    const summaries = await queue.listPending().catch(() => []);
    let pending = 0;
    let delivered = 0;
    for (const name of new Set(lanes.map((l) => l.queue))) {
      const own = lanes.filter((l) => l.queue === name);
      const summary = summaries.find((s) => s.returner === name);
      const count = summary?.count ?? 0;
      const setAside = summary?.setAside ?? 0;
      const sent = own.reduce((n, l) => n + l.delivered, 0);
      const lastError = own.map((l) => l.lastError).find((e) => e !== undefined);
      queues[name] = { delivered: sent, pending: count, setAside, ...(lastError === undefined ? {} : { lastError }) };
      pending += count;
      delivered += sent;
      const base = returnerOfQueue(name);
      const what = name.startsWith(EVENT_PREFIX) ? 'events' : 'returns';
      if (count > setAside) {
        const error = lastError ?? 'not delivered before the deadline';
        warn(`[WARNING ] Returner ${name}: ${error}; ${count - setAside} ${what} pending (salt-run returners.flush ${base})`);
      }
      if (setAside > 0) {
        warn(
          `[WARNING ] Returner ${name}: ${setAside} ${what} set aside, refused by the returner ` +
            `(salt-run returners.pending ${base}; retry: salt-run returners.flush ${base} retry_failed=True)`,
        );
      }
    }
    return { delivered, pending, queues };
  }

  async function finish(timeoutMs: number): Promise<DeliveryReport> {
    const started = Date.now();
    await discovered;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(done, Math.max(0, timeoutMs - (Date.now() - started)));
      function done(): void {
        clearTimeout(deadline);
        onSettle = undefined;
        resolve();
      }
      onSettle = () => {
        if (lanes.every((l) => !l.running && (l.drained || l.halted))) done();
      };
      for (const lane of lanes) void pump(lane);
      settle();
    });
    stopped = true;
    for (const lane of lanes) {
      clearTimeout(lane.retryTimer);
      // a call still waiting at the deadline must not keep its items from the next flush (delivery is idempotent)
      const held = lane.inFlight;
      if (held.length > 0) await queue.markFailed(lane.queue, held, lane.lastError ?? 'no answer before the deadline').catch(() => undefined);
    }
    const result = await report();
    await Promise.all(built.map(closeQuietly));
    return result;
  }

  return { notify, finish };
}

/** `salt-run returners.flush` and the start of every run: deliver what is pending now, within `timeoutMs`. */
export function flushPending(options: ForwarderOptions & { timeoutMs: number }): Promise<DeliveryReport> {
  return startForwarder(options).finish(options.timeoutMs);
}
