/**
 * `salt-run returners.init|flush|pending` (brine's own): create a returner's tables, deliver what
 * is waiting in the local delivery queue, list what waits (exit 75 while anything does, for monitoring).
 */
import { ExitCode, UsageError } from '../errors.js';
import type { DeliveryQueue, JobCache, PendingSummary } from '../jobcache/types.js';
import { EVENT_PREFIX, eventQueueName, returnerOfQueue } from '../returners/deliveries.js';
import { flushPending } from '../returners/forward.js';
import { isReturnerName, listReturners, loadReturner } from '../returners/registry.js';
import type { Returner, ReturnerLoadContext } from '../returners/types.js';
import type { RunnerContext, RunnerFunction, RunnerResult } from './types.js';

/**
 * The context these functions read beyond RunnerContext. `localCache` is the local job cache with
 * its delivery queue; when absent, `cache` is used if it is one (the default master_job_cache).
 */
export interface ReturnersRunnerContext extends RunnerContext {
  localCache?: JobCache & DeliveryQueue;
}

const DEFAULT_FLUSH_TIMEOUT_SEC = 60;

function isQueue(cache: JobCache): cache is JobCache & DeliveryQueue {
  const c = cache as Partial<DeliveryQueue>;
  return typeof c.claim === 'function' && typeof c.listPending === 'function';
}

function localOf(ctx: RunnerContext): JobCache & DeliveryQueue {
  const local = (ctx as ReturnersRunnerContext).localCache ?? (isQueue(ctx.cache) ? ctx.cache : undefined);
  if (!local) throw new UsageError('returners: the local job cache (cachedir) is not open, so there is no delivery queue');
  return local;
}

function returnerArg(fn: string, args: unknown[], kwargs: Record<string, unknown>, required: boolean): string | undefined {
  const name = args[0] ?? kwargs['name'];
  if (name === undefined || name === null) {
    if (required) throw new UsageError(`${fn}: a returner name is required (one of ${listReturners().join(', ')})`);
    return undefined;
  }
  if (typeof name !== 'string' || !isReturnerName(name)) {
    throw new UsageError(`${fn}: unknown returner '${String(name)}'; valid returners: ${listReturners().join(', ')}`);
  }
  return name;
}

function loadContext(ctx: RunnerContext, kwargs: Record<string, unknown>, local?: JobCache): ReturnerLoadContext {
  const returnConfig = kwargs['return_config'];
  const returnKwargs = kwargs['return_kwargs'];
  return {
    opts: ctx.opts,
    now: ctx.now,
    localCache: local,
    returnConfig: typeof returnConfig === 'string' ? returnConfig : undefined,
    returnKwargs: typeof returnKwargs === 'object' && returnKwargs !== null ? (returnKwargs as Record<string, unknown>) : undefined,
  };
}

function pendingOf(summaries: readonly PendingSummary[], name: string | undefined): PendingSummary[] {
  return summaries.filter((s) => name === undefined || s.returner === name || s.returner === eventQueueName(name));
}

export const init: RunnerFunction = {
  doc: 'Create the tables a returner needs when they are missing (salt\'s documented schema).\n\nCLI Example:\n\n    salt-run returners.init mysql\n    salt-run returners.init mysql return_config=alternative',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.init', args, kwargs, true) ?? '';
    const returner = await loadReturner(name, loadContext(ctx, kwargs, (ctx as ReturnersRunnerContext).localCache ?? ctx.cache));
    try {
      if (!returner.init) throw new UsageError(`returners.init: returner '${name}' has no tables to create`);
      return { data: { [name]: await returner.init() }, exitCode: ExitCode.OK };
    } finally {
      await returner.close();
    }
  },
};

export const flush: RunnerFunction = {
  doc: 'Deliver the returns and events waiting for a returner (all returners without a name) now.\nExits 75 when some could not be delivered.\n\nCLI Example:\n\n    salt-run returners.flush\n    salt-run returners.flush mysql timeout=30',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.flush', args, kwargs, false);
    const timeout = Number(kwargs['timeout'] ?? DEFAULT_FLUSH_TIMEOUT_SEC);
    if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`returners.flush: timeout must be a number of seconds, got '${String(kwargs['timeout'])}'`);
    const local = localOf(ctx);
    const queues = pendingOf(await local.listPending(), name).map((s) => s.returner);
    const returners = new Map<string, Returner>();
    try {
      for (const base of new Set(queues.map(returnerOfQueue))) {
        if (isReturnerName(base)) returners.set(base, await loadReturner(base, loadContext(ctx, kwargs, local)));
      }
      const warn = (ctx as ReturnersRunnerContext).warn ?? ((line: string) => process.stderr.write(`${line}\n`));
      const report = await flushPending({
        queue: local,
        cache: local,
        returners,
        returnTo: queues.filter((q) => !q.startsWith(EVENT_PREFIX) && returners.has(q)),
        eventReturners: queues.filter((q) => q.startsWith(EVENT_PREFIX)).map(returnerOfQueue).filter((b) => returners.has(b)),
        warn,
        timeoutMs: timeout * 1000,
      });
      const data: Record<string, { delivered: number; pending: number; last_error?: string }> = {};
      for (const [queue, q] of Object.entries(report.queues)) {
        data[queue] = { delivered: q.delivered, pending: q.pending, ...(q.pending > 0 && q.lastError ? { last_error: q.lastError } : {}) };
      }
      return { data, exitCode: report.pending > 0 ? ExitCode.TEMP_FAIL : ExitCode.OK };
    } finally {
      for (const r of returners.values()) await r.close();
    }
  },
};

export const pending: RunnerFunction = {
  doc: 'List what waits for delivery per returner: count, oldest jid, last error. Exits 75 while\nanything is pending, 0 otherwise (for monitoring).\n\nCLI Example:\n\n    salt-run returners.pending\n    salt-run returners.pending mysql',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.pending', args, kwargs, false);
    const summaries = pendingOf(await localOf(ctx).listPending(), name);
    const data: Record<string, { count: number; oldest_jid: string; last_error?: string }> = {};
    for (const s of summaries) {
      data[s.returner] = { count: s.count, oldest_jid: s.oldestJid, ...(s.lastError === undefined ? {} : { last_error: s.lastError }) };
    }
    return { data, exitCode: summaries.some((s) => s.count > 0) ? ExitCode.TEMP_FAIL : ExitCode.OK };
  },
};
