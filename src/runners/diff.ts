/**
 * `salt-run jobs.diff [jid] [other_jid]` (brine's; salt has no drift report): what changed per host
 * from `other_jid` (default: the job's predecessor, the last finished run of the same function,
 * arguments and target) to `jid` (default: the newest job). Exit 0 when nothing changed, 3 (CHANGED)
 * otherwise. The data is the same under every outputter:
 *
 *   {jid, predecessor, Function, Arguments, Target, summary: {status: count},
 *    changed: {id: unified diff}, newly_failing: {id: return}, recovered: {id: return},
 *    new: {id: return}, missing: [id], unchanged: [id]}
 */
import { ExitCode, JidNotFoundError, UsageError } from '../errors.js';
import { driftStatus, storedReturns, summarizeStored, type DriftStatus } from '../jobcache/drift.js';
import type { StoredReturn } from '../jobcache/types.js';
import { renderValue } from '../output/folded.js';
import { bindArgs, toJid } from './args.js';
import { hostDict } from './format.js';
import { unifiedDiff } from './text-diff.js';
import type { RunnerContext, RunnerFunction } from './types.js';

const PLAIN = { color: false, indent: 4 };

/** The readable change of one host: its return's lines, then the retcode when only that moved. */
function describeChange(before: StoredReturn, after: StoredReturn): string {
  const text = unifiedDiff(renderValue(valueOf(before), PLAIN), renderValue(valueOf(after), PLAIN));
  const retcode = before.retcode === after.retcode ? '' : `retcode: ${before.retcode} -> ${after.retcode}`;
  return [text, retcode].filter((part) => part !== '').join('\n');
}

function valueOf(row: StoredReturn | undefined): unknown {
  return row?.ret == null ? null : JSON.parse(row.ret);
}

async function newestJid(ctx: RunnerContext): Promise<string> {
  const [job] = await ctx.cache.getJobs({ limit: 1 });
  if (job === undefined) throw new UsageError('jobs.diff: the job cache holds no job to compare');
  return job.load.jid;
}

async function baselineJid(jid: string, ctx: RunnerContext): Promise<string | undefined> {
  if (ctx.cache.predecessorOf === undefined) {
    throw new UsageError(`jobs.diff: the job cache ${ctx.cache.name} cannot find a job's predecessor; pass other_jid`);
  }
  return (await ctx.cache.predecessorOf(jid))?.load.jid;
}

export const diff: RunnerFunction = {
  doc: "What changed per host between two jobs (brine's): changed (a unified diff), newly_failing, recovered, new, missing, unchanged. Args: jid (default: the newest job), other_jid (default: jid's predecessor, the last finished run of the same function, arguments and target). Exits 3 when anything changed, 0 otherwise.",
  async run(args, kwargs, ctx) {
    const fun = 'jobs.diff';
    const a = bindArgs(fun, ['jid', 'other_jid'], [], args, kwargs);
    const jid = a['jid'] === undefined ? await newestJid(ctx) : toJid(fun, a['jid']);
    const job = await ctx.cache.getJob(jid);
    if (job === undefined) throw new JidNotFoundError(jid);
    const otherJid = a['other_jid'] === undefined ? await baselineJid(jid, ctx) : toJid(fun, a['other_jid']);
    if (otherJid !== undefined && (await ctx.cache.getJob(otherJid)) === undefined) throw new JidNotFoundError(otherJid);

    const after = await storedReturns(ctx.cache, jid);
    const before = otherJid === undefined ? new Map<string, StoredReturn>() : await storedReturns(ctx.cache, otherJid);
    const sections = {
      changed: hostDict<string>(),
      newly_failing: hostDict<unknown>(),
      recovered: hostDict<unknown>(),
      new: hostDict<unknown>(),
      missing: [] as string[],
      unchanged: [] as string[],
    };
    const summary: Record<DriftStatus, number> = { changed: 0, newly_failing: 0, recovered: 0, new: 0, missing: 0, unchanged: 0 };
    const ids = [...new Set([...after.keys(), ...before.keys()])].sort();
    for (const id of ids) {
      const was = before.get(id);
      const now = after.get(id);
      // the same stored text is the same return: only differing ones are digested, parsed and diffed
      const isSame = was !== undefined && now !== undefined && was.ret === now.ret && was.retcode === now.retcode && was.success === now.success;
      const status = isSame ? 'unchanged' : driftStatus(was && summarizeStored(was), now && summarizeStored(now));
      summary[status] += 1;
      if (status === 'missing' || status === 'unchanged') sections[status].push(id);
      else if (status === 'changed') sections.changed[id] = describeChange(was as StoredReturn, now as StoredReturn);
      else sections[status][id] = valueOf(now);
    }
    const hasChanged = summary.unchanged !== ids.length;
    const data = {
      jid,
      predecessor: otherJid ?? null,
      Function: job.load.fun,
      Arguments: [...job.load.arg],
      Target: job.load.tgt,
      summary,
      ...sections,
    };
    if (otherJid === undefined) ctx.warn?.(`[NOTE    ] jobs.diff: jid ${jid} has no earlier finished run of the same function, arguments and target; every host is new`);
    return { data, exitCode: hasChanged ? ExitCode.CHANGED : ExitCode.OK };
  },
};
