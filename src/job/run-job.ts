import { setMaxListeners } from 'node:events';
import type { HostReturn, JobLoad } from '../core/job.js';
import { CacheError, describeError } from '../errors.js';
import type { RemoteCommand } from '../modules/types.js';
import type { HostTarget } from '../transport/types.js';
import { funArgs } from './args.js';
import { deadlineReturn, jobSignal } from './deadline.js';
import { jobExitCode } from './exit-code.js';
import { isCongestion, isHandshakeTimeout, jobGate } from './concurrency.js';
import { fanOut } from './fan-out.js';
import { runOnHost } from './host.js';
import type { JobOutcome, ReturnStatus } from '../core/job.js';
import type { JobContext, JobHooks, JobRequest } from './types.js';

export interface RunJobOptions {
  hooks?: JobHooks;
  /** Aborting stops new connections and closes open ones; what arrived is kept and the job is marked interrupted. */
  signal?: AbortSignal;
  /**
   * Seconds the whole job may take (`--deadline`). Past it the job is aborted like a signal, but every
   * targeted host without a return gets a timed-out one (retcode 124) and the job is marked as past its deadline.
   */
  deadlineSec?: number;
}

/** Hosts named in a cache error; past this, "and N more". */
const MAX_NAMED_HOSTS = 20;

/**
 * Runs one job: reserves the jid, commits the load, fans out over the targets with at most
 * `maxProcs` hosts in flight, commits each return before its `returned` event, and records the end.
 * Rejects only when the job cannot start (the jid, the load) or a hook threw; a failed host is a
 * return, and a failed commit is the outcome's `cacheError`.
 */
export async function runJob(request: JobRequest, context: JobContext, options: RunJobOptions = {}): Promise<JobOutcome> {
  const { hooks = {} } = options;
  const stop = jobSignal(options.signal, options.deadlineSec);
  try {
    return await runSignalled(request, context, hooks, stop.signal, () => stop.hasPassedDeadline() ? options.deadlineSec : undefined);
  } finally {
    stop.dispose();
  }
}

async function runSignalled(
  request: JobRequest,
  context: JobContext,
  hooks: JobHooks,
  signal: AbortSignal,
  passedDeadline: () => number | undefined,
): Promise<JobOutcome> {
  const startedAt = context.now();
  const jid = await context.cache.prepJid(startedAt, request.jid);
  const load: JobLoad = {
    jid,
    fun: request.fun,
    arg: [...request.argv],
    tgt: request.tgt,
    tgt_type: request.tgtType,
    user: context.user,
    ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
  };
  const isListed = Array.isArray(request.targets);
  const known = isListed ? (request.targets as readonly HostTarget[]).map((target) => target.id) : [];
  const record = (minions: string[]) => ({ load, minions, startedAt: startedAt.getTime(), pid: context.pid });
  await context.cache.saveLoad(record(known), request.forwardTo);

  let hookFailure: { error: unknown } | undefined;
  const callHook = async (call: () => void | Promise<void>) => {
    try {
      await call();
    } catch (err) {
      hookFailure ??= { error: err };
    }
  };
  await callHook(() => hooks.onStarted?.({ type: 'started', jid, load, minions: [...known] }));

  const minions: string[] = [];
  const returns = new Map<string, ReturnStatus>();
  const uncommitted: string[] = [];
  let firstFailure: unknown;
  // Each host in flight listens on the signal while connecting and while its command runs.
  setMaxListeners(Math.max(10, 2 * request.maxProcs + 10), signal);
  const args = funArgs(request.parsed);
  const call = { fun: request.fun, args: request.parsed.args, kwargs: request.parsed.kwargs, jid };
  const commitAndReport = async (ret: HostReturn) => {
    // A failed commit does not stop the fan-out: the other hosts' returns may still fit, and each is reported.
    const isCommitted = await commit(context, ret, request.routeReturn?.(ret) ?? request.forwardTo).catch((err: unknown) => {
      uncommitted.push(ret.id);
      firstFailure ??= err;
      return false;
    });
    returns.set(ret.id, { retcode: ret.retcode, success: ret.success });
    await callHook(() => hooks.onReturned?.({ type: 'returned', jid, ret, isCommitted }));
  };
  const unfinished: string[] = [];
  const timedOut = (id: string, seconds: number, cut?: HostReturn) => {
    unfinished.push(id);
    return deadlineReturn({ id, jid, fun: request.fun, funArgs: args, seconds, now: context.now() }, cut);
  };
  // test.arg shows the jid, so the command is built once the jid exists, once for all hosts.
  let command: Promise<RemoteCommand> | undefined;
  let prepareFailure: { error: unknown } | undefined;

  const gate = jobGate({
    maxProcs: request.maxProcs,
    isAdaptive: request.isAdaptive === true,
    now: () => context.now().getTime(),
    ...(context.log === undefined ? {} : { log: context.log }),
    onConcurrency: (limit) => void callHook(() => hooks.onConcurrency?.({ type: 'concurrency', limit })),
  });
  await fanOut(request.targets, gate, signal, async (target, handshake, attempt) => {
    if (attempt === 1) minions.push(target.id);
    command ??= Promise.resolve(request.fn.prepare({ ...call, target }));
    let prepared: RemoteCommand;
    try {
      prepared = await command;
    } catch (err) {
      prepareFailure ??= { error: err };
      return;
    }
    if (signal.aborted) {
      const seconds = passedDeadline();
      if (seconds !== undefined) await commitAndReport(timedOut(target.id, seconds));
      return;
    }
    let wantsRetry = false;
    const ret = await runOnHost({
      target,
      transport: context.transports.get(target.connection),
      fn: request.fn,
      command: prepared,
      call: { ...call, target },
      funArgs: args,
      connect: request.connect,
      commandTimeoutSec: request.commandTimeoutSec,
      ...(request.maxOutputBytes === undefined ? {} : { maxOutputBytes: request.maxOutputBytes }),
      now: context.now,
      signal,
      ...(context.log === undefined ? {} : { log: context.log }),
      onConnect: (outcome) => {
        // a local process has no handshake: its start time says nothing about the network or sshd
        if (target.connection === 'local') return handshake.abandoned();
        if ('latencyMs' in outcome) return handshake.connected(outcome.latencyMs);
        handshake.failed(isCongestion(outcome.error));
        wantsRetry = attempt === 1 && isHandshakeTimeout(outcome.error);
      },
    });
    if (wantsRetry && !signal.aborted) {
      context.log?.debug(`${target.id}: handshake timed out after TCP connected; trying once more at lower concurrency`);
      return true;
    }
    if (signal.aborted && ret.retcode !== 0) {
      // A host cut off by a signal did not return (the cache lists it as missing); one cut by the deadline timed out.
      const seconds = passedDeadline();
      if (seconds !== undefined) await commitAndReport(timedOut(ret.id, seconds, ret));
      return;
    }
    await commitAndReport(ret);
  });
  const deadlineSec = prepareFailure === undefined ? passedDeadline() : undefined;
  if (deadlineSec !== undefined) {
    // Listed hosts the fan-out never drew are reported too, so the job names every host that did not finish.
    for (const id of known) if (!returns.has(id)) await commitAndReport(timedOut(id, deadlineSec));
  }

  let hasEnded = true;
  try {
    if (!isListed) await context.cache.saveLoad(record(minions));
    await context.cache.endJob(jid, context.now().getTime(), signal.aborted && deadlineSec === undefined, deadlineSec !== undefined);
  } catch (err) {
    hasEnded = false;
    firstFailure ??= err;
  }
  if (prepareFailure !== undefined) throw prepareFailure.error;
  const cacheError = firstFailure === undefined ? undefined : describeCacheFailure(firstFailure, uncommitted, isListed ? known.length : minions.length, hasEnded);
  const outcome: JobOutcome = {
    jid,
    minions: isListed ? known : minions,
    returns,
    exitCode: jobExitCode(returns, isListed ? known.length : minions.length, {
      wasInterrupted: signal.aborted && deadlineSec === undefined,
      hasPassedDeadline: deadlineSec !== undefined,
    }),
    wasInterrupted: signal.aborted && deadlineSec === undefined,
    ...(deadlineSec === undefined ? {} : { deadline: { seconds: deadlineSec, unfinished } }),
    uncommitted,
    ...(cacheError === undefined ? {} : { cacheError }),
  };
  await callHook(() => hooks.onFinished?.({ type: 'finished', outcome }));
  if (hookFailure !== undefined) throw hookFailure.error;
  return outcome;
}

async function commit(
  context: JobContext,
  ret: HostReturn,
  forwardTo: JobRequest['forwardTo'] | Promise<JobRequest['forwardTo']>,
): Promise<true> {
  await context.cache.saveReturn(ret, await forwardTo);
  return true;
}

function describeCacheFailure(cause: unknown, unsaved: readonly string[], total: number, hasEnded: boolean): CacheError {
  const parts = [describeError(cause)];
  if (unsaved.length > 0) {
    const named = unsaved.slice(0, MAX_NAMED_HOSTS).join(', ');
    const more = unsaved.length > MAX_NAMED_HOSTS ? ` and ${unsaved.length - MAX_NAMED_HOSTS} more` : '';
    parts.push(`returns not committed for ${unsaved.length} of ${total} hosts: ${named}${more}`);
  }
  if (!hasEnded) parts.push("the job's end was not recorded");
  return new CacheError(parts.join('; '), { cause });
}
