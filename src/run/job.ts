import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { CacheError, describeError } from '../errors.js';
import type { DeliveryTarget, JobCache } from '../jobcache/types.js';
import type { HostReturn, JobLoad } from '../core/job.js';
import type { ModuleFunction } from '../modules/types.js';
import { transportFor } from '../transport/index.js';
import type { ConnectOptions, HostTarget, Transport } from '../transport/types.js';
import { funArgs, type ParsedArgs } from './args.js';
import { jobExitCode } from './exit-code.js';
import { runOnHost } from './host.js';

export interface JobRequest {
  tgt: string;
  tgtType: string;
  /** The matched roster entries, in roster order. */
  targets: readonly HostTarget[];
  fun: string;
  /** The CLI arguments as typed (salt's load `arg`). */
  argv: readonly string[];
  parsed: ParsedArgs;
  fn: ModuleFunction;
  jid?: string;
  maxProcs: number;
  commandTimeoutSec: number;
  /** Bytes kept per host per stream (`ssh_max_output_bytes`). */
  maxOutputBytes?: number;
  connect: ConnectOptions;
  /** Returners that get the load and every return through the durable delivery queue. */
  forwardTo: readonly DeliveryTarget[];
  metadata?: Record<string, unknown>;
}

export interface RunContext {
  cache: JobCache;
  transports: { ssh: Transport; local: Transport };
  now: () => Date;
  /** The OS user running brine (salt's load `user`). */
  user: string;
  pid: number;
}

export interface JobHooks {
  /** The jid is reserved and the load is committed; no host has been contacted yet. */
  onStart?(jid: string): void;
  /** A host's return is committed to the job cache (or could not be: see JobOutcome.cacheError). */
  onReturn?(ret: HostReturn): void;
}

export interface JobOutcome {
  jid: string;
  returns: Map<string, HostReturn>;
  exitCode: number;
  wasInterrupted: boolean;
  /** Set when a return or the job's end could not be committed (disk full, a lock held too long); names the hosts. */
  cacheError?: CacheError;
}

/** Hosts named in a cache error; past this, "and N more". */
const MAX_NAMED_HOSTS = 20;

/**
 * Runs one job: reserves the jid, commits the load, fans out over the targets with at most
 * `maxProcs` hosts in flight, and commits each return before anyone else sees it.
 * Aborting `signal` stops new connections and closes open ones; what arrived is kept.
 */
export async function runJob(
  request: JobRequest,
  context: RunContext,
  hooks: JobHooks,
  signal: AbortSignal,
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
  const minions = request.targets.map((target) => target.id);
  await context.cache.saveLoad({ load, minions, startedAt: startedAt.getTime(), pid: context.pid }, request.forwardTo);
  hooks.onStart?.(jid);

  const returns = new Map<string, HostReturn>();
  const limit = pLimit(Math.max(1, request.maxProcs));
  // Each host in flight listens on the signal while connecting and while its command runs.
  setMaxListeners(Math.max(10, 2 * request.maxProcs + 10), signal);
  const args = funArgs(request.parsed);
  // test.arg shows the jid, so the command is built once the jid exists, once for all hosts.
  const firstTarget = request.targets[0];
  if (firstTarget === undefined) throw new Error('runJob: no targets');
  const command = await request.fn.prepare({ fun: request.fun, args: request.parsed.args, kwargs: request.parsed.kwargs, jid, target: firstTarget });
  // A failed commit does not stop the fan-out: the other hosts' returns may still fit, and each is printed.
  const unsaved: string[] = [];
  let firstFailure: unknown;
  await Promise.all(
    request.targets.map((target) =>
      limit(async () => {
        if (signal.aborted) return;
        const ret = await runOnHost({
          target,
          transport: transportFor(target, context.transports),
          fn: request.fn,
          command,
          call: { fun: request.fun, args: request.parsed.args, kwargs: request.parsed.kwargs, jid, target },
          funArgs: args,
          connect: request.connect,
          commandTimeoutSec: request.commandTimeoutSec,
          ...(request.maxOutputBytes === undefined ? {} : { maxOutputBytes: request.maxOutputBytes }),
          now: context.now,
          signal,
        });
        // A host cut off by Ctrl-C did not return; the cache lists it as missing.
        if (signal.aborted && ret.retcode !== 0) return;
        try {
          await context.cache.saveReturn(ret, request.forwardTo);
        } catch (err) {
          unsaved.push(ret.id);
          firstFailure ??= err;
        }
        returns.set(ret.id, ret);
        hooks.onReturn?.(ret);
      }),
    ),
  );
  let hasEnded = true;
  try {
    await context.cache.endJob(jid, context.now().getTime(), signal.aborted);
  } catch (err) {
    hasEnded = false;
    firstFailure ??= err;
  }
  const cacheError = firstFailure === undefined ? undefined : describeCacheFailure(firstFailure, unsaved, request.targets.length, hasEnded);
  return {
    jid,
    returns,
    exitCode: jobExitCode(returns, request.targets.length, signal.aborted),
    wasInterrupted: signal.aborted,
    ...(cacheError === undefined ? {} : { cacheError }),
  };
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
