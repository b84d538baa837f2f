/**
 * salt-ssh `--rerun-failed JID`: the same function and arguments as job JID, on only the hosts that
 * failed in it (a retcode other than 0, success false, or no return at all), as a list target.
 */
import { JidNotFoundError, NoMatchError, UsageError } from '../errors.js';
import { isJid } from '../salt/jid.js';
import type { JobCache } from '../jobcache/types.js';
import type { TargetType } from '../targeting/match.js';
import type { SshTarget } from '../targeting/ssh-target.js';
import { selectHosts } from './target-hosts.js';

export interface RerunPlan {
  /** The failed hosts, in the job's order. */
  ids: string[];
  fun: string;
  /** The arguments as the original run typed them (its load's `arg`). */
  argv: string[];
  isRawShell: boolean;
  /** Failed hosts no longer in the roster (not re-run). */
  gone: string[];
}

/** The raw-shell pseudo-function salt-ssh's `-r` records as the job's fun. */
const RAW_SHELL_FUN = 'ssh._raw';

export async function planRerun(cache: JobCache, jid: string, rosterIds: ReadonlySet<string>): Promise<RerunPlan> {
  if (!isJid(jid)) throw new UsageError(`--rerun-failed: '${String(jid)}' is not a valid jid (20 digits YYYYMMDDhhmmssffffff)`);
  const job = await cache.getJob(jid);
  if (job === undefined) throw new JidNotFoundError(jid);
  const returns = await cache.getJid(jid);
  const failed = job.minions.filter((id) => {
    const ret = Object.hasOwn(returns, id) ? returns[id] : undefined;
    return ret === undefined || ret.retcode !== 0 || !ret.success;
  });
  const argv = job.load.arg.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  const isRawShell = job.load.fun === RAW_SHELL_FUN;
  return {
    ids: failed.filter((id) => rosterIds.has(id)),
    gone: failed.filter((id) => !rosterIds.has(id)),
    fun: isRawShell ? (argv[0] ?? '') : job.load.fun,
    argv: isRawShell ? argv.slice(1) : argv,
    isRawShell,
  };
}

/** What the run executes: from the command line, or from `--rerun-failed JID`. */
export interface JobSpec {
  tgt: string;
  targetType: TargetType;
  /** The function (with -r: the shell command) and its arguments as typed. */
  fun: string;
  argv: string[];
  isRawShell: boolean;
  ids: string[];
  metadata?: Record<string, unknown>;
  /** `user@host:port`: the user and port over each selected host (run/target-hosts.ts). */
  sshTarget?: SshTarget;
}

export interface SpecOptions {
  tgt?: string;
  fun?: string;
  argv: string[];
  targetType: TargetType;
  isRawShell: boolean;
  rerunFailed?: string;
  /** `--delimiter` for -G. */
  delimiter?: string;
}

/**
 * The job to run, or undefined when `--rerun-failed` finds no failed host (nothing to do, exit 0).
 * `warn` hears the failed hosts that left the roster.
 */
export async function resolveJobSpec(
  options: SpecOptions,
  cache: JobCache,
  rosterIds: readonly string[],
  opts: Readonly<Record<string, unknown>>,
  warn: (line: string) => void,
): Promise<JobSpec | undefined> {
  if (options.rerunFailed === undefined) {
    if (options.tgt === undefined || options.fun === undefined) throw new UsageError('Insufficient arguments');
    const { ids, sshTarget } = await selectHosts(options.tgt, options.targetType, rosterIds, opts, cache, {
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
    });
    const spec: JobSpec = { tgt: options.tgt, targetType: options.targetType, fun: options.fun, argv: options.argv, isRawShell: options.isRawShell, ids };
    return sshTarget === undefined ? spec : { ...spec, sshTarget };
  }
  const jid = options.rerunFailed;
  if (options.tgt !== undefined || options.isRawShell || options.targetType !== 'glob') {
    throw new UsageError('--rerun-failed: takes the target, function and arguments from the job; give none of them (nor -r, -E, -L, -N)');
  }
  const plan = await planRerun(cache, jid, new Set(rosterIds));
  if (plan.gone.length > 0) warn(`[WARNING ] --rerun-failed ${jid}: not in the roster any more, not re-run: ${plan.gone.join(', ')}`);
  if (plan.ids.length === 0 && plan.gone.length === 0) {
    warn(`--rerun-failed ${jid}: no host failed in that job; nothing to re-run`);
    return undefined;
  }
  if (plan.ids.length === 0) throw new NoMatchError(`--rerun-failed ${jid}: none of the failed hosts is in the roster`);
  return {
    tgt: plan.ids.join(','),
    targetType: 'list',
    fun: plan.fun,
    argv: plan.argv,
    isRawShell: plan.isRawShell,
    ids: plan.ids,
    metadata: { rerun_of: jid },
  };
}
