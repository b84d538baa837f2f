/** salt's sqlite3 returner schema and row shapes (salt/returners/sqlite3_return.py). */
import type { HostReturn } from '../core/job.js';
import { parsePythonLiteral } from '../salt/python-literal.js';
import { pythonRepr } from '../salt/python.js';
import { saltJson } from './salt-json.js';

/**
 * salt's docstring DDL, with IF NOT EXISTS (`TEXT KEY` is only a type name, as in salt). The index is
 * brine's: it keeps the (jid, id) check of an idempotent delivery from scanning the whole table.
 */
export const SQLITE3_DDL = [
  'CREATE TABLE IF NOT EXISTS jids (\n  jid TEXT PRIMARY KEY,\n  load TEXT NOT NULL\n  )',
  'CREATE TABLE IF NOT EXISTS salt_returns (\n  fun TEXT KEY,\n  jid TEXT KEY,\n  id TEXT KEY,\n  fun_args TEXT,\n  date TEXT NOT NULL,\n  full_ret TEXT NOT NULL,\n  success TEXT NOT NULL\n  )',
  'CREATE INDEX IF NOT EXISTS brine_salt_returns_jid ON salt_returns (jid)',
] as const;

export const RETURN_COLUMNS = '(fun, jid, id, fun_args, date, full_ret, success)';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Python's `str(datetime.now())` for the moment of `_stamp` (UTC), in local time: `2026-11-29 05:33:01.123456`. */
export function localDate(stamp: string, now: () => Date): string {
  const parsed = new Date(`${stamp}Z`);
  const date = Number.isNaN(parsed.getTime()) ? now() : parsed;
  const micros = /\.(\d{6})$/.exec(stamp)?.[1] ?? `${pad(date.getMilliseconds(), 3)}000`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${micros}`
  );
}

/** The `date` column back to a `_stamp` (UTC); salt's rows without microseconds too. */
function stampOf(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(date);
  if (!match) return date;
  const [, y, mo, d, h, mi, s, frac = ''] = match.map((part) => part ?? '');
  const local = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return `${local.toISOString().slice(0, 19)}.${frac.padEnd(6, '0')}`;
}

/** salt's row: fun_args as Python `str()` (NULL when empty), full_ret = JSON of the return only, success '1'/'0'. */
export function returnRow(ret: HostReturn, now: () => Date): unknown[] {
  const args = ret.fun_args.length > 0 ? pythonRepr(ret.fun_args) : null;
  // Python's json.dumps keeps ensure_ascii: non-ASCII text is stored as \u escapes, as salt stores it
  return [ret.fun, ret.jid, ret.id, args, localDate(ret._stamp, now), saltJson(ret.return, 'ascii-only'), ret.success ? '1' : '0'];
}

function funArgs(text: unknown): unknown[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const parsed = parsePythonLiteral(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [text];
  }
}

/** A stored row as brine's full return; retcode is not in salt's schema: 0 for success, else 1. */
export function hostReturnOf(row: Record<string, unknown>): HostReturn {
  const success = String(row['success']) === '1';
  return {
    fun_args: funArgs(row['fun_args']),
    jid: String(row['jid']),
    return: JSON.parse(String(row['full_ret'])) as unknown,
    retcode: success ? 0 : 1,
    success,
    fun: String(row['fun']),
    id: String(row['id']),
    _stamp: stampOf(String(row['date'])),
  };
}
