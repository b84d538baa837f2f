/**
 * Turns claimed (returner, jid, host) rows of the delivery queue into returner calls: the job's
 * load first (`save_load`), then the returns; or, for `event:<name>` rows, salt's job events.
 */
import { saltStamp } from '../jobcache/jid.js';
import type { HostReturn, JobCache, JobRecord, PendingDelivery } from '../jobcache/types.js';
import type { Returner, SaltEvent } from './types.js';

/** Queue rows for event_return go under this name, so events are as durable as returns. */
export const EVENT_PREFIX = 'event:';

export function eventQueueName(returner: string): string {
  return `${EVENT_PREFIX}${returner}`;
}

/** The returner a queue name delivers to: `event:mysql` → `mysql`. */
export function returnerOfQueue(queue: string): string {
  return queue.startsWith(EVENT_PREFIX) ? queue.slice(EVENT_PREFIX.length) : queue;
}

/** What the run passes as `forwardTo` to saveLoad/saveReturn: returners, then event returners' queues. */
export function deliveryTargets(returnTo: readonly string[], eventReturners: readonly string[] = []): string[] {
  return [...new Set([...returnTo, ...eventReturners.map(eventQueueName)])];
}

export function newJobEvent(job: JobRecord): SaltEvent {
  const { jid } = job.load;
  const data = { ...job.load, minions: job.minions, missing: [], _stamp: saltStamp(new Date(job.startedAt)) };
  return { tag: `salt/job/${jid}/new`, data };
}

export function returnEvent(ret: HostReturn): SaltEvent {
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

interface Resolved {
  loads: JobRecord[];
  returns: HostReturn[];
}

/** Reads the claimed rows' loads and returns from the local cache; rows whose data is gone are skipped. */
async function resolve(cache: JobCache, items: readonly PendingDelivery[]): Promise<Resolved> {
  const loads: JobRecord[] = [];
  const returns: HostReturn[] = [];
  const byJid = new Map<string, Record<string, HostReturn>>();
  for (const item of items) {
    if (item.id !== null) continue;
    const job = await cache.getJob(item.jid);
    if (job) loads.push(job);
  }
  for (const item of items) {
    if (item.id === null) continue;
    let rets = byJid.get(item.jid);
    if (!rets) {
      rets = await cache.getJid(item.jid);
      byJid.set(item.jid, rets);
    }
    const ret = rets[item.id];
    if (ret) returns.push(ret);
  }
  return { loads, returns };
}

/** Delivers one claimed batch; throws when the returner fails (the batch stays pending). */
export async function deliverBatch(
  queue: string,
  returner: Returner,
  cache: JobCache,
  items: readonly PendingDelivery[],
): Promise<void> {
  const { loads, returns } = await resolve(cache, items);
  if (queue.startsWith(EVENT_PREFIX)) {
    if (!returner.eventReturn) throw new Error(`returner ${returner.name} has no event_return`);
    const events = [...loads.map(newJobEvent), ...returns.map(returnEvent)];
    if (events.length > 0) await returner.eventReturn(events);
    return;
  }
  if (returner.saveLoad) {
    for (const job of loads) await returner.saveLoad(job.load.jid, job.load, job.minions);
  }
  if (returns.length > 0) await returner.returner(returns);
}
