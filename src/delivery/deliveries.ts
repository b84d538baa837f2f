/**
 * Turns claimed (returner, jid, host) rows of the delivery queue, which carry their payloads, into
 * returner calls: the job's load first (`save_load`), then the returns; or, for `event:<name>` rows,
 * salt's job events.
 */
import { saltStamp } from '../salt/jid.js';
import { describeError } from '../errors.js';
import type { DeliveryTarget, PendingDelivery } from '../jobcache/types.js';
import type { HostReturn, JobRecord } from '../core/job.js';
import { failureScope, ReturnerError } from '../returners/failure.js';
import type { Returner, SaltEvent } from '../returners/types.js';

/** Queue rows for event_return go under this name, so events are as durable as returns. */
export const EVENT_PREFIX = 'event:';

/** A returner call that outlives this is abandoned (its items stay queued); MySQL's own deadlines are shorter. */
export const DEFAULT_CALL_TIMEOUT_MS = 8_000;

export function eventQueueName(returner: string): string {
  return `${EVENT_PREFIX}${returner}`;
}

/** The returner a queue name delivers to: `event:mysql` → `mysql`. */
export function returnerOfQueue(queue: string): string {
  return queue.startsWith(EVENT_PREFIX) ? queue.slice(EVENT_PREFIX.length) : queue;
}

/** The queues a run delivers to: returners, then event returners' queues. */
export function deliveryQueues(returnTo: readonly string[], eventReturners: readonly string[] = []): string[] {
  return [...new Set([...returnTo, ...eventReturners.map(eventQueueName)])];
}

/** What the run passes as `forwardTo` to saveLoad/saveReturn: its queues, with its returner settings. */
export function deliveryTargets(returnTo: readonly string[], eventReturners: readonly string[] = [], settings = ''): DeliveryTarget[] {
  const queues = deliveryQueues(returnTo, eventReturners);
  return settings === '' ? queues : queues.map((queue) => ({ queue, settings }));
}

function newJobEvent(job: JobRecord): SaltEvent {
  const { jid } = job.load;
  const data = { ...job.load, minions: job.minions, missing: [], _stamp: saltStamp(new Date(job.startedAt)) };
  return { tag: `salt/job/${jid}/new`, data };
}

function returnEvent(ret: HostReturn): SaltEvent {
  const data: Record<string, unknown> = {
    cmd: '_return',
    id: ret.id,
    jid: ret.jid,
    fun: ret.fun,
    fun_args: ret.fun_args,
    return: ret.return,
    retcode: ret.retcode,
    success: ret.success,
    _stamp: ret._stamp,
  };
  if (ret.out !== undefined) data['out'] = ret.out;
  return { tag: `salt/job/${ret.jid}/ret/${ret.id}`, data };
}

/** What one claimed batch came to: delivered, set aside (refused for good, each with its reason), or left pending by `error`. */
export interface BatchOutcome {
  delivered: PendingDelivery[];
  setAside: Array<{ item: PendingDelivery; error: string }>;
  failed: PendingDelivery[];
  error?: unknown;
}

/** One returner call per kind for these items; items whose data is gone from the cache count as delivered. */
async function deliverItems(queue: string, returner: Returner, items: readonly PendingDelivery[]): Promise<void> {
  const loads: JobRecord[] = [];
  const returns: HostReturn[] = [];
  for (const item of items) {
    if (item.payload?.kind === 'load') loads.push(item.payload.job);
    else if (item.payload?.kind === 'return') returns.push(item.payload.ret);
  }
  if (queue.startsWith(EVENT_PREFIX)) {
    if (!returner.eventReturn) throw new ReturnerError('returner', `returner ${returner.name} has no event_return`);
    const events = [...loads.map(newJobEvent), ...returns.map(returnEvent)];
    if (events.length > 0) await returner.eventReturn(events);
    return;
  }
  if (returner.saveLoad) {
    for (const job of loads) await returner.saveLoad(job.load.jid, job.load, job.minions);
  }
  if (returns.length > 0) await returner.returner(returns);
}

/**
 * Delivers one claimed batch, each returner call under `callTimeoutMs`. A data error narrows the batch
 * by halves until the items at fault stand alone; those are set aside and the rest delivered. Any
 * other error stops the batch: what is not delivered yet stays pending.
 */
export async function deliverBatch(
  queue: string,
  returner: Returner,
  items: readonly PendingDelivery[],
  callTimeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { delivered: [], setAside: [], failed: [] };
  const parts: PendingDelivery[][] = [[...items]];
  for (let part = parts.shift(); part !== undefined; part = parts.shift()) {
    if (outcome.error !== undefined) {
      outcome.failed.push(...part);
      continue;
    }
    try {
      await withDeadline(deliverItems(queue, returner, part), callTimeoutMs, `returner ${returner.name}`);
      outcome.delivered.push(...part);
    } catch (err) {
      const [only] = part;
      if (failureScope(err) !== 'item') {
        outcome.error = err;
        outcome.failed.push(...part);
      } else if (part.length === 1 && only) {
        outcome.setAside.push({ item: only, error: describeError(err) });
      } else {
        const half = Math.ceil(part.length / 2);
        parts.unshift(part.slice(0, half), part.slice(half));
      }
    }
  }
  return outcome;
}

/**
 * Rejects with a transient ReturnerError once `ms` has passed: a server that accepts TCP and never
 * answers defeats driver timeouts, and the run's documented wait must hold anyway.
 */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReturnerError('transient', `${what}: no answer within ${ms / 1000}s`)), ms);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
