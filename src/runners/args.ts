import { clip } from '../config/validate.js';
import { UsageError } from '../errors.js';
import { bindPythonArgs, parseBoolWord, type BindProblem } from '../salt/args.js';
import { isJid, jidToDate } from '../salt/jid.js';

/**
 * Binds positional args and kwargs to a runner's parameter names as Python would: positionals
 * fill names in order, kwargs by name; unknown names, duplicates and missing required ones are errors.
 */
export function bindArgs(
  fun: string,
  params: readonly string[],
  required: readonly string[],
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fail = (problem: BindProblem): UsageError => {
    switch (problem.kind) {
      case 'too-many-positionals':
        return new UsageError(`${fun}: takes at most ${params.length} positional arguments (${params.join(', ')}), got ${problem.given}`);
      case 'duplicate':
        return new UsageError(`${fun}: argument '${problem.name}' given twice`);
      case 'unknown-keyword': {
        const known = params.length === 0 ? 'it takes none' : `known: ${params.join(', ')}`;
        return new UsageError(`${fun}: unexpected argument '${clip(problem.name)}' (${known})`);
      }
      case 'missing':
        return new UsageError(`${fun}: missing required argument '${problem.name}'`);
    }
  };
  return bindPythonArgs({ params, required }, args, kwargs, { fail, dropsPubKwargs: true, isNoneMissing: true }).values;
}

function shown(value: unknown): string {
  return clip(typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value)));
}

export function toJid(fun: string, value: unknown): string {
  // A 20-digit number read as YAML loses digits in a JS number; refusing it beats finding the wrong job.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new UsageError(`${fun}: jid ${String(value)} lost digits when read as a number; it must arrive as text`);
  }
  const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
  if (!isJid(text)) throw new UsageError(`${fun}: ${shown(value)} is not a valid jid (20 digits YYYYMMDDhhmmssffffff)`);
  return text;
}

export function toBool(fun: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  const word = typeof value === 'string' ? parseBoolWord(value.trim()) : undefined;
  if (word !== undefined) return word;
  throw new UsageError(`${fun}: ${name} must be True or False, got ${shown(value)}`);
}

export function toCount(fun: string, name: string, value: unknown, min: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${fun}: ${name} must be a whole number >= ${min}, got ${shown(value)}`);
  }
  return n;
}

export function toOptionalString(fun: string, name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UsageError(`${fun}: ${name} must be a string, got ${shown(value)}`);
}

/** salt's `split_input`: a list, or a comma-separated string, each item stripped. */
export function toGlobList(fun: string, name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  return items.map((item) => {
    const text = toOptionalString(fun, name, item);
    if (text === undefined) throw new UsageError(`${fun}: ${name} must be a glob, a list or a comma-separated string`);
    return text.trim();
  });
}

export function toDict(fun: string, name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) return value as Record<string, unknown>;
  throw new UsageError(`${fun}: ${name} must be a dictionary, e.g. ${name}='{"key": "value"}', got ${shown(value)}`);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const SALT_TIME = /^(\d{4}),?\s+([a-z]{3})[a-z]*\s+(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/i;
const ISO_TIME =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

function utcMillis(parts: readonly (string | undefined)[], zone: string | undefined): number | undefined {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = parts.slice(0, 6).map((p) => (p === undefined ? undefined : Number(p)));
  const ms = Math.floor(Number(`0.${parts[6] ?? '0'}`) * 1000);
  const base = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls Feb 30 into March; a typo should be an error instead.
  if (new Date(base).getUTCDate() !== d || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return undefined;
  if (zone === undefined || /^(z|utc)$/i.test(zone)) return base;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (m === null) return undefined;
  const offset = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '+' ? base - offset : base + offset;
}

/**
 * A tolerant time parser for start_time/end_time: ISO-ish (`2026-11-28`, `2026-11-28 17:18:05`,
 * with `Z` or an offset), salt's StartTime (`2026, Nov 28 17:18:05.987941`), a jid, or a YAML date.
 * Without a zone it is UTC, as salt compares against the UTC StartTime.
 */
export function toTime(fun: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  if (typeof value === 'string') {
    const text = value.trim();
    if (isJid(text)) return jidToDate(text).getTime();
    const salt = SALT_TIME.exec(text);
    const month = salt === null ? -1 : MONTHS.indexOf((salt[2] ?? '').toLowerCase());
    if (salt !== null && month >= 0) {
      const ms = utcMillis([salt[1], String(month + 1), ...salt.slice(3)], undefined);
      if (ms !== undefined) return ms;
    }
    const iso = ISO_TIME.exec(text);
    if (iso !== null) {
      const ms = utcMillis(iso.slice(1, 8), iso[8]);
      if (ms !== undefined) return ms;
    }
  }
  throw new UsageError(
    `${fun}: ${name} ${shown(value)} is not a date (e.g. 2026-11-28T17:18:05 or "2026, Nov 28 17:18:05.987941")`,
  );
}
