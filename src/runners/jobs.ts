/**
 * salt's jobs runner (salt/runners/jobs.py) over brine's job cache, with salt's argument names and
 * output shapes. Deliberate differences: a malformed or unknown jid is an error (salt prints nothing
 * and exits 0); exit_success uses each host's real retcode and success and exits 20 on a failure;
 * list_jobs pages with limit/offset in SQL; EndTime is shown whenever the job finished.
 */
import { ExitCode, JidNotFoundError, UsageError } from '../errors.js';
import { describeHeldJobs, retentionCutoff } from '../jobcache/retention.js';
import type { JobQuery } from '../jobcache/types.js';
import type { HostReturn, JobRecord } from '../core/job.js';
import { bindArgs, toBool, toCount, toDict, toGlobList, toJid, toOptionalString, toTime } from './args.js';
import { formatJob, formatJobExt, formatResult, hostDict } from './format.js';
import type { RunnerContext, RunnerFunction, RunnerResult } from './types.js';

const MISSING = 'Minion did not return';

function result(data: unknown, outputter?: string, exitCode: number = ExitCode.OK): RunnerResult {
  return outputter === undefined ? { data, exitCode } : { data, exitCode, outputter };
}

/** salt picks ext_job_cache, then ext_source, then master_job_cache; brine has one cache to read. */
function checkSource(fun: string, value: unknown, ctx: RunnerContext): void {
  const source = toOptionalString(fun, 'ext_source', value);
  if (source !== undefined && source !== ctx.cache.name) {
    throw new UsageError(`${fun}: ext_source '${source}' is not available; the job cache is '${ctx.cache.name}'`);
  }
}

function progress(ctx: RunnerContext, enabled: boolean, message: string): void {
  if (enabled) ctx.progress?.({ message });
}

async function loadJob(jid: string, ctx: RunnerContext): Promise<{ job: JobRecord; returns: Record<string, HostReturn> }> {
  const job = await ctx.cache.getJob(jid);
  if (job === undefined) throw new JidNotFoundError(jid);
  return { job, returns: await ctx.cache.getJid(jid) };
}

/** Beyond salt: `Interrupted: true` for a run stopped by SIGINT/SIGTERM, so its missing hosts read as cut off, not failed. */
function interruptedMark(job: JobRecord): { Interrupted?: true; DeadlinePassed?: true } {
  return {
    ...(job.interrupted === true ? { Interrupted: true as const } : {}),
    // also brine's: `--deadline` cut the run, and its unfinished hosts are returned as timed out
    ...(job.deadlinePassed === true ? { DeadlinePassed: true as const } : {}),
  };
}

function printJobData(job: JobRecord, returns: Record<string, HostReturn>): Record<string, unknown> {
  return { [job.load.jid]: { ...formatJob(job, { withMinions: true }), ...interruptedMark(job), Result: formatResult(returns) } };
}

export const lookupJid: RunnerFunction = {
  doc: 'Return the printout from a previously executed job: {minion: return}. Args: jid, ext_source, returned=True, missing=False (adds "Minion did not return" for targeted hosts without a return), display_progress=False.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.lookup_jid';
    const a = bindArgs(fun, ['jid', 'ext_source', 'returned', 'missing', 'display_progress'], ['jid'], args, kwargs);
    const jid = toJid(fun, a['jid']);
    checkSource(fun, a['ext_source'], ctx);
    const returned = toBool(fun, 'returned', a['returned'], true);
    const missing = toBool(fun, 'missing', a['missing'], false);
    const showProgress = toBool(fun, 'display_progress', a['display_progress'], false);
    progress(ctx, showProgress, `Querying returner: ${ctx.cache.name}`);
    const { job, returns } = await loadJob(jid, ctx);
    const data = hostDict<unknown>();
    if (returned) {
      for (const [id, ret] of Object.entries(returns)) {
        progress(ctx, showProgress, id);
        data[id] = ret.return;
      }
    }
    if (missing) {
      for (const id of job.minions) if (!Object.hasOwn(returns, id)) data[id] = MISSING;
    }
    if (job.interrupted === true) {
      const unfinished = job.minions.filter((id) => !Object.hasOwn(returns, id)).length;
      ctx.warn?.(`[WARNING ] jid ${jid} was interrupted: ${unfinished} of ${job.minions.length} hosts did not finish`);
    }
    // salt renders with the first return's `out` (e.g. highstate) when it has one.
    return result(data, Object.values(returns)[0]?.out);
  },
};

export const listJob: RunnerFunction = {
  doc: 'List a specific job given by its jid: the load (Function, Arguments, Target, Minions, StartTime…) and Result {minion: {return, retcode, success}}. Args: jid, ext_source, display_progress=False.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.list_job';
    const a = bindArgs(fun, ['jid', 'ext_source', 'display_progress'], ['jid'], args, kwargs);
    const jid = toJid(fun, a['jid']);
    checkSource(fun, a['ext_source'], ctx);
    progress(ctx, toBool(fun, 'display_progress', a['display_progress'], false), `Querying returner: ${ctx.cache.name}`);
    const { job, returns } = await loadJob(jid, ctx);
    return result({ jid: job.load.jid, ...formatJob(job, { withMinions: true }), ...interruptedMark(job), Result: formatResult(returns) });
  },
};

export const printJob: RunnerFunction = {
  doc: 'Print a specific job\'s detail given a jid: {jid: {Function, Arguments, …, Result}}. Args: jid, ext_source.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.print_job';
    const a = bindArgs(fun, ['jid', 'ext_source'], ['jid'], args, kwargs);
    const jid = toJid(fun, a['jid']);
    checkSource(fun, a['ext_source'], ctx);
    const { job, returns } = await loadJob(jid, ctx);
    return result(printJobData(job, returns));
  },
};

const LIST_JOBS_PARAMS = [
  'ext_source', 'outputter', 'search_metadata', 'search_function', 'search_target',
  'start_time', 'end_time', 'display_progress', 'limit', 'offset', 'search_arguments',
] as const;

function jobQuery(
  fun: string,
  a: Record<string, unknown>,
  names: { metadata: string; function: string; target: string; arguments?: string },
): JobQuery {
  const functions = toGlobList(fun, names.function, a[names.function]);
  const argsGlob = names.arguments === undefined ? undefined : toOptionalString(fun, names.arguments, a[names.arguments]);
  const targets = toGlobList(fun, names.target, a[names.target]);
  const metadata = toDict(fun, names.metadata, a[names.metadata]);
  const startTime = toTime(fun, 'start_time', a['start_time']);
  const endTime = toTime(fun, 'end_time', a['end_time']);
  const limit = toCount(fun, 'limit', a['limit'], 0);
  const offset = toCount(fun, 'offset', a['offset'], 0);
  return {
    ...(functions === undefined ? {} : { functions }),
    ...(targets === undefined ? {} : { targets }),
    ...(argsGlob === undefined ? {} : { arguments: argsGlob }),
    ...(metadata === undefined ? {} : { metadata }),
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
    ...(limit === undefined ? {} : { limit }),
    ...(offset === undefined ? {} : { offset }),
  };
}

/** list_jobs pages by default (beyond salt), so a cache of 100k jobs answers at once; `limit=0` lists all. */
export const LIST_JOBS_PAGE = 100;

export const listJobs: RunnerFunction = {
  doc: 'List all detectable jobs, newest first: {jid: {Function, Arguments, Target, Target-type, User, StartTime}}. Args: ext_source, outputter, search_metadata (dict, any pair matches), search_function (glob, list or comma string), search_target (glob, list or comma string; any id of a list target), start_time, end_time, display_progress=False; beyond salt: search_arguments (glob over the arguments joined with spaces), limit (default 100, 0 = all), offset.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.list_jobs';
    const a = bindArgs(fun, LIST_JOBS_PARAMS, [], args, kwargs);
    checkSource(fun, a['ext_source'], ctx);
    const outputter = toOptionalString(fun, 'outputter', a['outputter']);
    const query = jobQuery(fun, a, { metadata: 'search_metadata', function: 'search_function', target: 'search_target', arguments: 'search_arguments' });
    progress(ctx, toBool(fun, 'display_progress', a['display_progress'], false), `Querying returner ${ctx.cache.name} for jobs.`);
    const { limit = LIST_JOBS_PAGE, ...rest } = query;
    // one job more than the page tells whether there is a next page
    const jobs = await ctx.cache.getJobs(limit === 0 ? rest : { ...rest, limit: limit + 1 });
    if (limit > 0 && jobs.length > limit) {
      jobs.length = limit;
      ctx.warn?.(`[NOTE    ] the newest ${limit} matching jobs are shown; limit=0 lists all, offset=${(query.offset ?? 0) + limit} the next page`);
    }
    const data: Record<string, unknown> = {};
    for (const job of jobs) data[job.load.jid] = formatJob(job, { withMinions: false });
    return result(data, outputter);
  },
};

export const listJobsFilter: RunnerFunction = {
  doc: 'List the last `count` jobs, oldest to newest: [{Function, Arguments, Target, Target-type, User, JID, StartTime}]. Args: count, filter_find_job=True (skip saltutil.find_job), ext_source, outputter, display_progress=False.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.list_jobs_filter';
    const a = bindArgs(fun, ['count', 'filter_find_job', 'ext_source', 'outputter', 'display_progress'], ['count'], args, kwargs);
    checkSource(fun, a['ext_source'], ctx);
    const count = toCount(fun, 'count', a['count'], 1) ?? 1;
    const filterFindJob = toBool(fun, 'filter_find_job', a['filter_find_job'], true);
    const outputter = toOptionalString(fun, 'outputter', a['outputter']);
    progress(ctx, toBool(fun, 'display_progress', a['display_progress'], false), `Querying returner ${ctx.cache.name} for jobs.`);
    const picked: JobRecord[] = [];
    // Newest first in pages, skipping find_job polls, until `count` jobs are found.
    for (let offset = 0; picked.length < count; offset += count) {
      const page = await ctx.cache.getJobs({ limit: count, offset });
      for (const job of page) {
        if (picked.length < count && !(filterFindJob && job.load.fun === 'saltutil.find_job')) picked.push(job);
      }
      if (page.length < count) break;
    }
    return result(picked.reverse().map(formatJobExt), outputter);
  },
};

export const lastRun: RunnerFunction = {
  doc: 'print_job of the most recent job matching the filters, or False. Args: ext_source, outputter, metadata (dict), function (glob, list or comma string), target (glob, list or comma string), display_progress=False.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.last_run';
    const a = bindArgs(fun, ['ext_source', 'outputter', 'metadata', 'function', 'target', 'display_progress'], [], args, kwargs);
    checkSource(fun, a['ext_source'], ctx);
    const outputter = toOptionalString(fun, 'outputter', a['outputter']);
    const query = jobQuery(fun, a, { metadata: 'metadata', function: 'function', target: 'target' });
    progress(ctx, toBool(fun, 'display_progress', a['display_progress'], false), `Querying returner ${ctx.cache.name} for jobs.`);
    const [job] = await ctx.cache.getJobs({ ...query, limit: 1 });
    if (job === undefined) return result(false, outputter);
    return result(printJobData(job, await ctx.cache.getJid(job.load.jid)), outputter);
  },
};

export const exitSuccess: RunnerFunction = {
  doc: 'Whether each targeted host succeeded: {minion: retcode == 0 and success}; a host without a return is False. Exits 20 when any is False (salt checks only that the return is truthy and exits 0). Args: jid, ext_source.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.exit_success';
    const a = bindArgs(fun, ['jid', 'ext_source'], ['jid'], args, kwargs);
    const jid = toJid(fun, a['jid']);
    checkSource(fun, a['ext_source'], ctx);
    const { job, returns } = await loadJob(jid, ctx);
    const data = hostDict<boolean>();
    for (const [id, ret] of Object.entries(returns)) data[id] = ret.retcode === 0 && ret.success;
    for (const id of job.minions) if (!Object.hasOwn(data, id)) data[id] = false;
    const hasFailed = Object.values(data).includes(false);
    return result(data, undefined, hasFailed ? ExitCode.AGGREGATE : ExitCode.OK);
  },
};

export const active: RunnerFunction = {
  doc: 'Jobs whose brine process is still running: {jid: {Function, …, Running: [{minion: pid}], Returned: [minions]}}. Args: display_progress=False.',
  async run(args, kwargs, ctx) {
    const fun = 'jobs.active';
    const a = bindArgs(fun, ['display_progress'], [], args, kwargs);
    progress(ctx, toBool(fun, 'display_progress', a['display_progress'], false), `Querying returner: ${ctx.cache.name}`);
    const data: Record<string, unknown> = {};
    for (const job of await ctx.cache.activeJobs()) {
      const returns = await ctx.cache.getJid(job.load.jid);
      data[job.load.jid] = {
        ...formatJob(job, { withMinions: true }),
        Running: job.minions.filter((id) => !Object.hasOwn(returns, id)).map((id) => ({ [id]: job.pid ?? null })),
        Returned: Object.keys(returns),
      };
    }
    return result(data);
  },
};

export const clean: RunnerFunction = {
  doc: 'Apply retention now: remove every job older than keep_jobs_seconds (keep_jobs hours), in batches; prints how many were removed, and warns about old jobs kept because their returns are not delivered yet. 0 keeps jobs forever. No arguments.',
  async run(args, kwargs, ctx) {
    bindArgs('jobs.clean', [], [], args, kwargs);
    const cutoff = retentionCutoff(ctx.opts, ctx.now());
    if (cutoff === undefined) return result(0);
    const removed = await ctx.cache.cleanOldJobs(cutoff);
    const held = await describeHeldJobs(ctx.cache, cutoff);
    if (held !== undefined) ctx.warn?.(held);
    return result(removed);
  },
};
