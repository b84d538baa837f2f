/**
 * `salt-run returners.init|flush|pending|clean` (brine's own): create a returner's tables, deliver what
 * is waiting in the local delivery queue, list what waits (exit 75 while anything does, for monitoring),
 * prune a returner store's old rows.
 */
import { DEFAULTS } from '../config/defaults.js';
import { clip } from '../config/validate.js';
import { ExitCode, UsageError } from '../errors.js';
import { keepJobsSeconds } from '../salt/retention.js';
import { toBool, toCount } from './args.js';
import type { DeliveryQueue, JobCache, PendingSummary } from '../jobcache/types.js';
import { EVENT_PREFIX, eventQueueName, returnerOfQueue } from '../delivery/deliveries.js';
import { closeQuietly, flushPending } from '../delivery/forward.js';
import { parseSettings } from '../delivery/settings.js';
import { isReturnerName, listReturners, loadReturner, RETURNERS, type ReturnerRegistry } from '../returners/registry.js';
import type { Returner, ReturnerLoadContext } from '../returners/types.js';
import type { RunnerContext, RunnerFunction, RunnerResult } from './types.js';

/**
 * The context these functions read beyond RunnerContext. `localCache` is the local job cache with
 * its delivery queue; when absent, `cache` is used if it is one (the default master_job_cache).
 */
export interface ReturnersRunnerContext extends RunnerContext {
  localCache?: JobCache & DeliveryQueue;
  /** The run's returners, custom ones included (default: the built-ins). */
  returners?: ReturnerRegistry;
}

export function registryOf(ctx: RunnerContext): ReturnerRegistry {
  return (ctx as ReturnersRunnerContext).returners ?? RETURNERS;
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

export function returnerArg(fn: string, args: unknown[], kwargs: Record<string, unknown>, required: boolean, registry: ReturnerRegistry = RETURNERS): string | undefined {
  const name = args[0] ?? kwargs['name'];
  if (name === undefined || name === null) {
    if (required) throw new UsageError(`${fn}: a returner name is required (one of ${listReturners(registry).join(', ')})`);
    return undefined;
  }
  if (typeof name !== 'string' || !isReturnerName(name, registry)) {
    throw new UsageError(`${fn}: unknown returner '${String(name)}'; valid returners: ${listReturners(registry).join(', ')}`);
  }
  return name;
}

export function loadContext(ctx: RunnerContext, kwargs: Record<string, unknown>, local?: JobCache): ReturnerLoadContext {
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
    const name = returnerArg('returners.init', args, kwargs, true, registryOf(ctx)) ?? '';
    const returner = await loadReturner(name, loadContext(ctx, kwargs, (ctx as ReturnersRunnerContext).localCache ?? ctx.cache), registryOf(ctx));
    try {
      if (!returner.init) throw new UsageError(`returners.init: returner '${name}' has no tables to create`);
      return { data: { [name]: await returner.init() }, exitCode: ExitCode.OK };
    } finally {
      await returner.close();
    }
  },
};

export const flush: RunnerFunction = {
  doc:
    'Deliver the returns and events waiting for a returner (all returners without a name) now, each with\n' +
    'the --return_config/--return_kwargs of the run that queued it. Items the returner refused for good\n' +
    '(set aside, see returners.pending) are retried only with retry_failed=True. Exits 75 when some\n' +
    'could not be delivered.\n\nCLI Example:\n\n    salt-run returners.flush\n    salt-run returners.flush mysql timeout=30\n' +
    '    salt-run returners.flush mysql retry_failed=True',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.flush', args, kwargs, false, registryOf(ctx));
    const timeout = Number(kwargs['timeout'] ?? DEFAULT_FLUSH_TIMEOUT_SEC);
    if (!Number.isFinite(timeout) || timeout < 0 || timeout > DEFAULTS.maxTimeoutSec) {
      throw new UsageError(
        `returners.flush: timeout must be a number of seconds up to ${DEFAULTS.maxTimeoutSec}, got '${clip(String(kwargs['timeout']))}'`,
      );
    }
    const local = localOf(ctx);
    if (toBool('returners.flush', 'retry_failed', kwargs['retry_failed'], false)) {
      await local.retrySetAside(pendingOf(await local.listPending(), name).map((s) => s.returner));
    }
    const queues = pendingOf(await local.listPending(), name).map((s) => s.returner);
    const returners = new Map<string, Returner>();
    try {
      for (const base of new Set(queues.map(returnerOfQueue))) {
        if (isReturnerName(base, registryOf(ctx))) returners.set(base, await loadReturner(base, loadContext(ctx, kwargs, local), registryOf(ctx)));
      }
      const warn = (ctx as ReturnersRunnerContext).warn ?? ((line: string) => process.stderr.write(`${line}\n`));
      const report = await flushPending({
        queue: local,
        returners,
        loadReturner: (base, settings) => loadReturner(base, { ...loadContext(ctx, {}, local), ...parseSettings(settings) }, registryOf(ctx)),
        returnTo: queues.filter((q) => !q.startsWith(EVENT_PREFIX) && returners.has(q)),
        eventReturners: queues.filter((q) => q.startsWith(EVENT_PREFIX)).map(returnerOfQueue).filter((b) => returners.has(b)),
        warn,
        timeoutMs: timeout * 1000,
      });
      const data: Record<string, { delivered: number; pending: number; set_aside?: number; last_error?: string }> = {};
      for (const [queue, q] of Object.entries(report.queues)) {
        data[queue] = {
          delivered: q.delivered,
          pending: q.pending,
          ...(q.setAside > 0 ? { set_aside: q.setAside } : {}),
          ...(q.pending > 0 && q.lastError ? { last_error: q.lastError } : {}),
        };
      }
      return { data, exitCode: report.pending > 0 ? ExitCode.TEMP_FAIL : ExitCode.OK };
    } finally {
      await Promise.all([...returners.values()].map(closeQuietly));
    }
  },
};

/** How many set-aside items `returners.pending` lists per queue (the count is always exact). */
const SET_ASIDE_LISTED = 50;

interface PendingEntry {
  count: number;
  oldest_jid: string;
  last_error?: string;
  set_aside?: Array<{ jid: string; id: string | null; error: string }>;
}

export const pending: RunnerFunction = {
  doc:
    'List what waits for delivery per returner: count, oldest jid, last error, and the items set aside\n' +
    'because the returner refused them for good (jid, id, reason; retry them with\n' +
    'returners.flush NAME retry_failed=True). Exits 75 while anything is pending, 0 otherwise (for monitoring).\n\n' +
    'CLI Example:\n\n    salt-run returners.pending\n    salt-run returners.pending mysql',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.pending', args, kwargs, false, registryOf(ctx));
    const local = localOf(ctx);
    const summaries = pendingOf(await local.listPending(), name);
    const data: Record<string, PendingEntry> = {};
    for (const s of summaries) {
      const parked = (s.setAside ?? 0) > 0 ? await local.listSetAside(s.returner, SET_ASIDE_LISTED) : [];
      data[s.returner] = {
        count: s.count,
        oldest_jid: s.oldestJid,
        ...(s.lastError === undefined ? {} : { last_error: s.lastError }),
        ...(parked.length > 0 ? { set_aside: parked.map((p) => ({ jid: p.jid, id: p.id, error: p.error })) } : {}),
      };
    }
    return { data, exitCode: summaries.some((s) => s.count > 0) ? ExitCode.TEMP_FAIL : ExitCode.OK };
  },
};

/** The retention a returner store keeps: `keep_jobs_seconds=` > `<returner>.keep_jobs_seconds` > the master's `keep_jobs_seconds`. */
function returnerKeepSeconds(name: string, kwargs: Record<string, unknown>, ctx: RunnerContext): number {
  const given = toCount('returners.clean', 'keep_jobs_seconds', kwargs['keep_jobs_seconds'], 0);
  if (given !== undefined) return given;
  const own = toCount('returners.clean', `${name}.keep_jobs_seconds`, ctx.opts[`${name}.keep_jobs_seconds`], 0);
  return own ?? keepJobsSeconds(ctx.opts);
}

export const clean: RunnerFunction = {
  doc:
    'Remove old rows from a returner\'s own store (salt prunes it only as master_job_cache): jids older\n' +
    'than keep_jobs_seconds or whose returns are, and salt_returns/salt_events rows by alter_time, in\n' +
    'short batches of batch_size rows (default 1000). keep_jobs_seconds defaults to <returner>.keep_jobs_seconds,\n' +
    'then the master\'s keep_jobs_seconds; 0 keeps everything. Prints the rows removed per table.\n\n' +
    'CLI Example:\n\n    salt-run returners.clean mysql\n    salt-run returners.clean mysql keep_jobs_seconds=604800\n' +
    '    salt-run returners.clean mysql return_config=alternative',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const name = returnerArg('returners.clean', args, kwargs, true, registryOf(ctx)) ?? '';
    const keepSeconds = returnerKeepSeconds(name, kwargs, ctx);
    const batchSize = toCount('returners.clean', 'batch_size', kwargs['batch_size'], 1);
    const returner = await loadReturner(name, loadContext(ctx, kwargs, (ctx as ReturnersRunnerContext).localCache ?? ctx.cache), registryOf(ctx));
    try {
      if (!returner.cleanOldRows) throw new UsageError(`returners.clean: returner '${name}' keeps no rows of its own to clean`);
      const removed = await returner.cleanOldRows(keepSeconds, batchSize === undefined ? {} : { batchSize });
      return { data: { [name]: removed }, exitCode: ExitCode.OK };
    } finally {
      await returner.close();
    }
  },
};
