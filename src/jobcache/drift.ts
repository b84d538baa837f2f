/**
 * Drift: how a host's return compares with its return in the job's predecessor (the last finished run
 * of the same audit, JobCache.predecessorOf). One definition for `salt-run jobs.diff`, `salt-ssh
 * --changes` and `<returner>.return_only: changed`.
 */
import { createHash } from 'node:crypto';
import type { HostReturn, JobRecord } from '../core/job.js';
import { canonicalJson } from '../salt/canonical-json.js';
import { toJson } from './rows.js';
import type { JobCache, StoredReturn } from './types.js';

/** salt-ish names, as `jobs.diff` prints them. */
export type DriftStatus = 'changed' | 'unchanged' | 'new' | 'missing' | 'newly_failing' | 'recovered';

/** What a comparison needs of a return: a digest of its value and retcode, and whether it failed. */
export interface ReturnSummary {
  digest: string;
  failed: boolean;
}

export function isFailedReturn(ret: Pick<HostReturn, 'retcode' | 'success'>): boolean {
  return ret.retcode !== 0 || !ret.success;
}

/**
 * Key order inside dicts does not count; the retcode does (cmd.run's value is its stdout alone).
 * `text` is the value's JSON as the cache stores it: a scalar's is already canonical, so only dicts and
 * lists are parsed, and a 5,000-host string audit is compared without building a single object.
 */
export function summarizeStored(ret: Omit<StoredReturn, 'id'>): ReturnSummary {
  const text = ret.ret ?? 'null';
  const canonical = text.startsWith('{') || text.startsWith('[') ? canonicalJson(JSON.parse(text)) : text;
  const digest = createHash('sha256').update(`${ret.retcode}\u0000${canonical}`).digest('base64url');
  return { digest, failed: isFailedReturn(ret) };
}

export function summarizeReturn(ret: Pick<HostReturn, 'return' | 'retcode' | 'success'>): ReturnSummary {
  return summarizeStored({ ret: toJson(ret.return), retcode: ret.retcode, success: ret.success });
}

/** `{id: stored return}` of a job: the raw rows where the cache has them, else its parsed returns. */
export async function storedReturns(cache: JobCache, jid: string): Promise<Map<string, StoredReturn>> {
  const rows =
    cache.getStoredReturns === undefined
      ? Object.values(await cache.getJid(jid)).map((r) => ({ id: r.id, ret: toJson(r.return), retcode: r.retcode, success: r.success }))
      : await cache.getStoredReturns(jid);
  return new Map(rows.map((row) => [row.id, row]));
}

export function driftStatus(before: ReturnSummary | undefined, after: ReturnSummary | undefined): DriftStatus {
  if (before === undefined) return after === undefined ? 'unchanged' : 'new';
  if (after === undefined) return 'missing';
  if (!before.failed && after.failed) return 'newly_failing';
  if (before.failed && !after.failed) return 'recovered';
  return before.digest === after.digest ? 'unchanged' : 'changed';
}

/** A job's predecessor, summarized per host (a digest each, not the returns: a 5,000-host audit stays small). */
export interface Baseline {
  /** Undefined when the job has none (its first run): every host is then `new`. */
  predecessor: JobRecord | undefined;
  hosts: ReadonlyMap<string, ReturnSummary>;
}

async function loadBaseline(cache: JobCache, jid: string): Promise<Baseline> {
  const predecessor = await cache.predecessorOf?.(jid);
  const hosts = new Map<string, ReturnSummary>();
  if (predecessor !== undefined) {
    for (const [id, row] of await storedReturns(cache, predecessor.load.jid)) hosts.set(id, summarizeStored(row));
  }
  return { predecessor, hosts };
}

/** One run's drift, computed once per return and shared by `--changes` and the alert filter. */
export interface DriftTracker {
  statusOf(ret: HostReturn): Promise<DriftStatus>;
  /** The predecessor of the job whose returns were classified (after the first `statusOf`). */
  baseline(jid: string): Promise<Baseline>;
}

export function createDriftTracker(cache: JobCache): DriftTracker {
  const baselines = new Map<string, Promise<Baseline>>();
  const statuses = new Map<string, DriftStatus>();
  const baseline = (jid: string) => {
    let loaded = baselines.get(jid);
    if (loaded === undefined) {
      loaded = loadBaseline(cache, jid);
      baselines.set(jid, loaded);
    }
    return loaded;
  };
  return {
    baseline,
    async statusOf(ret) {
      const key = `${ret.jid}\u0000${ret.id}`;
      const known = statuses.get(key);
      if (known !== undefined) return known;
      const { hosts } = await baseline(ret.jid);
      const status = driftStatus(hosts.get(ret.id), summarizeReturn(ret));
      statuses.set(key, status);
      return status;
    },
  };
}
