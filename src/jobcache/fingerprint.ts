/**
 * A job's fingerprint: what makes two jobs "the same audit" for drift (`jobs.diff`, `--changes`,
 * `<returner>.return_only: changed`). Same function, same arguments, same target and target type;
 * `key=value` arguments count in any order (`cwd=/tmp timeout=30` = `timeout=30 cwd=/tmp`), positional
 * ones in theirs. Stored in `jobs.fingerprint` (indexed with started_at) so the predecessor is one index seek.
 */
import { createHash } from 'node:crypto';
import type { JobLoad } from '../core/job.js';

// salt.utils.args.KWARG_REGEX: what the CLI parses as a keyword argument.
const KWARG = /^([^\d\W][\w.-]*)=(?!=)/u;

export function jobFingerprint(load: Pick<JobLoad, 'fun' | 'arg' | 'tgt' | 'tgt_type'>): string {
  const positional: unknown[] = [];
  const keyword: string[] = [];
  for (const arg of load.arg) {
    if (typeof arg === 'string' && KWARG.test(arg)) keyword.push(arg);
    else positional.push(arg);
  }
  keyword.sort();
  const text = JSON.stringify([load.fun, positional, keyword, load.tgt, load.tgt_type]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** The `brine_job_fingerprint(fun, arg, tgt, tgt_type)` SQL function, for the migration that fills old rows. */
export function fingerprintFunction(fun: unknown, arg: unknown, tgt: unknown, tgtType: unknown): string | null {
  if (typeof fun !== 'string') return null;
  let args: unknown;
  try {
    args = typeof arg === 'string' ? JSON.parse(arg) : [];
  } catch {
    args = [];
  }
  return jobFingerprint({ fun, arg: Array.isArray(args) ? args : [], tgt: String(tgt ?? ''), tgt_type: String(tgtType ?? '') });
}
