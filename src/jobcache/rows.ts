import { fnmatchToRegExp } from '../salt/fnmatch.js';
import { targetMatchFunction } from './target-search.js';
import { jobFingerprint } from './fingerprint.js';
import type { JobQuery } from './types.js';
import type { HostReturn, JobRecord } from '../core/job.js';

/** A `jobs` row with a saved load (`fun` not NULL). */
export interface JobRow {
  jid: string;
  fun: string;
  arg: string | null;
  tgt: string | null;
  tgt_type: string | null;
  user: string | null;
  metadata: string | null;
  minions: string | null;
  started_at: number;
  ended_at: number | null;
  pid: number | null;
  interrupted: number | null;
  deadline_passed: number | null;
  fingerprint: string | null;
}

export interface ReturnRow {
  jid: string;
  id: string;
  fun: string;
  fun_args: string;
  ret: string | null;
  retcode: number;
  success: number;
  stamp: string;
  out: string | null;
}

export const JOB_COLUMNS = 'jid, fun, arg, tgt, tgt_type, user, metadata, minions, started_at, ended_at, pid, fingerprint';
/** One `?` per JOB_COLUMNS entry. */
export const JOB_PLACEHOLDERS = JOB_COLUMNS.split(',').map(() => '?').join(', ');
/** What reads select: JOB_COLUMNS plus the marks endJob sets. */
export const JOB_READ_COLUMNS = `${JOB_COLUMNS}, interrupted, deadline_passed`;

function parseJson<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}

/**
 * A `list` target is stored as a JSON array, as salt keeps it a list; rows written before that hold
 * the comma string (`a,b`), read as the list it named.
 */
export function readTarget(tgt: string | null, tgtType: string | null): string | string[] {
  if (tgt === null) return '';
  if (tgtType !== 'list') return tgt;
  if (tgt.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(tgt);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON: an old comma string that starts with '['
    }
  }
  return tgt.split(/[\s,]+/).filter((id) => id !== '');
}

export function toJobRecord(row: JobRow): JobRecord {
  const metadata = parseJson<Record<string, unknown> | null>(row.metadata, null);
  return {
    load: {
      jid: row.jid,
      fun: row.fun,
      arg: parseJson<unknown[]>(row.arg, []),
      tgt: readTarget(row.tgt, row.tgt_type),
      tgt_type: row.tgt_type ?? '',
      user: row.user ?? '',
      ...(metadata === null ? {} : { metadata }),
    },
    minions: parseJson<string[]>(row.minions, []),
    startedAt: row.started_at,
    ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
    ...(row.pid === null ? {} : { pid: row.pid }),
    ...(row.interrupted === 1 ? { interrupted: true } : {}),
    ...(row.deadline_passed === 1 ? { deadlinePassed: true } : {}),
  };
}

export function toHostReturn(row: ReturnRow): HostReturn {
  return {
    id: row.id,
    jid: row.jid,
    fun: row.fun,
    fun_args: parseJson<unknown[]>(row.fun_args, []),
    return: parseJson<unknown>(row.ret, null),
    retcode: row.retcode,
    success: row.success !== 0,
    _stamp: row.stamp,
    ...(row.out === null ? {} : { out: row.out }),
  };
}

/** {id: return} in row order; no prototype, so host ids such as `__proto__` or `constructor` are plain keys. */
export function returnsById(rows: readonly ReturnRow[]): Record<string, HostReturn> {
  const byId = Object.create(null) as Record<string, HostReturn>;
  for (const row of rows) byId[row.id] = toHostReturn(row);
  return byId;
}

/** JSON for a column; `undefined` (e.g. a module that returned nothing) is stored as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** SQL for one fnmatch glob: `=` keeps the (fun, started_at) index, GLOB equals fnmatch without `[`, else the JS port. */
function globClause(column: string, pattern: string, params: unknown[]): string {
  params.push(pattern);
  if (!/[*?[]/.test(pattern)) return `${column} = ?`;
  if (!pattern.includes('[')) return `${column} GLOB ?`;
  return `brine_fnmatch(?, ${column})`;
}

/** Builds the `getJobs` query: filters AND-ed, functions and metadata pairs OR-ed, newest first (rowid breaks ties inside the index). */
export function buildJobQuery(query: JobQuery): { sql: string; params: unknown[] } {
  const where = ['fun IS NOT NULL'];
  const params: unknown[] = [];
  const functions = query.functions ?? [];
  if (functions.length > 0) where.push(`(${functions.map((f) => globClause('fun', f, params)).join(' OR ')})`);
  if (query.targets !== undefined && query.targets.length > 0) {
    params.push(JSON.stringify(query.targets));
    where.push('brine_target_match(tgt, tgt_type, ?) = 1');
  }
  if (query.arguments !== undefined) {
    where.push(globClause("(SELECT group_concat(value, ' ') FROM json_each(jobs.arg))", query.arguments, params));
  }
  const pairs = Object.entries(query.metadata ?? {});
  if (pairs.length > 0) {
    const any = pairs.map(([key, value]) => {
      params.push(key, toJson(value));
      return `(m.key = ? AND m.value IS json_extract(?, '$'))`;
    });
    where.push(`EXISTS (SELECT 1 FROM json_each(jobs.metadata) AS m WHERE ${any.join(' OR ')})`);
  }
  if (query.startTime !== undefined) {
    where.push('started_at >= ?');
    params.push(query.startTime);
  }
  if (query.endTime !== undefined) {
    where.push('started_at <= ?');
    params.push(query.endTime);
  }
  let sql = `SELECT ${JOB_READ_COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY started_at DESC, rowid DESC`;
  if (query.limit !== undefined || query.offset !== undefined) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(query.limit ?? -1, query.offset ?? 0);
  }
  return { sql, params };
}

/** The `brine_target_match(tgt, tgt_type, patterns_json)` SQL function (search_target). */
export function targetMatchSqlFunction(): (tgt: unknown, tgtType: unknown, patternsJson: unknown) => number {
  return targetMatchFunction(readTarget);
}

/** The `brine_fnmatch(pattern, name)` SQL function, with compiled patterns kept per connection. */
export function fnmatchFunction(): (pattern: unknown, name: unknown) => number {
  const compiled = new Map<string, RegExp>();
  return (pattern, name) => {
    if (typeof pattern !== 'string' || typeof name !== 'string') return 0;
    let re = compiled.get(pattern);
    if (re === undefined) {
      re = fnmatchToRegExp(pattern);
      compiled.set(pattern, re);
    }
    return re.test(name) ? 1 : 0;
  };
}

/** A `jobs` row's values in JOB_COLUMNS order. */
export function jobValues(job: JobRecord): unknown[] {
  const { load } = job;
  return [
    load.jid,
    load.fun,
    toJson(load.arg),
    Array.isArray(load.tgt) ? toJson(load.tgt) : load.tgt,
    load.tgt_type,
    load.user,
    load.metadata === undefined ? null : toJson(load.metadata),
    toJson(job.minions),
    job.startedAt,
    job.endedAt ?? null,
    job.pid ?? null,
    jobFingerprint(load),
  ];
}

/** A `returns` row's values in column order. */
export function returnValues(ret: HostReturn): unknown[] {
  return [
    ret.jid,
    ret.id,
    ret.fun,
    toJson(ret.fun_args),
    toJson(ret.return),
    ret.retcode,
    ret.success ? 1 : 0,
    ret._stamp,
    ret.out ?? null,
  ];
}
