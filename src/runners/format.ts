import { generateJid, jidToStartTime } from '../salt/jid.js';
import type { HostReturn, JobRecord } from '../core/job.js';

/** salt's time format (`2026, Nov 28 17:18:05.987941`) for an epoch-ms time. */
export function formatSaltTime(ms: number): string {
  return jidToStartTime(generateJid(new Date(ms), 0));
}

/**
 * salt's `_format_jid_instance`: Function, Arguments, Target, Target-type, User, [Metadata],
 * [Minions], StartTime (from the jid), plus EndTime when the job has finished (brine always records it).
 */
export function formatJob(job: JobRecord, options: { withMinions: boolean }): Record<string, unknown> {
  const { load } = job;
  const out: Record<string, unknown> = {
    Function: load.fun || 'unknown-function',
    Arguments: [...load.arg],
    Target: load.tgt || 'unknown-target',
    'Target-type': load.tgt_type || 'list',
    User: load.user || 'root',
  };
  if (load.metadata !== undefined) out['Metadata'] = load.metadata;
  // A cache that does not store the targeted minions (salt's mysql) shows no Minions key, as salt does.
  if (options.withMinions && job.minions.length > 0) out['Minions'] = [...job.minions];
  out['StartTime'] = jidToStartTime(load.jid);
  if (job.endedAt !== undefined) out['EndTime'] = formatSaltTime(job.endedAt);
  return out;
}

/** A {host id: value} map with no prototype, so ids like `__proto__` or `constructor` are ordinary keys. */
export function hostDict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** salt's list_job/print_job `Result`: `{id: {return, retcode, success, [out]}}` for hosts with a return. */
export function formatResult(returns: Readonly<Record<string, HostReturn>>): Record<string, unknown> {
  const result = hostDict<unknown>();
  for (const [id, ret] of Object.entries(returns)) {
    result[id] = {
      return: ret.return,
      retcode: ret.retcode,
      success: ret.success,
      ...(ret.out === undefined ? {} : { out: ret.out }),
    };
  }
  return result;
}

/** salt's `format_jid_instance_ext` (list_jobs_filter): the job fields, then JID and StartTime. */
export function formatJobExt(job: JobRecord): Record<string, unknown> {
  const { load } = job;
  return {
    Function: load.fun || 'unknown-function',
    Arguments: [...load.arg],
    Target: load.tgt || 'unknown-target',
    'Target-type': load.tgt_type || 'list',
    User: load.user || 'root',
    ...(load.metadata === undefined ? {} : { Metadata: load.metadata }),
    JID: load.jid,
    StartTime: jidToStartTime(load.jid),
  };
}
