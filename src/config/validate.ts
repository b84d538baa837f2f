import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';

/** Small type checks shared by the config, Saltfile and roster loaders. */

/** A failed check: what was expected; `isSecret` means the value must never appear in the error. */
export interface CheckFailure {
  ok: false;
  expected: string;
  isSecret?: true;
}

export type Check<T> = (value: unknown) => { ok: true; value: T } | CheckFailure;

/** Longest text an error quotes from a value; a 131 KB argument would otherwise be echoed whole. */
export const MAX_SHOWN_CHARS = 200;

/** `text`, cut to MAX_SHOWN_CHARS with `…` when longer. */
export function clip(text: string, max = MAX_SHOWN_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** How a bad value is quoted in one-line errors: `'abc'`, `5`, `a list`, `a mapping`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${clip(value)}'`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `a date (${value.toISOString().slice(0, 10)}; quote it)`;
  if (typeof value === 'object') return 'a mapping';
  return clip(String(value));
}

/** A value's type only (`a number`, `a string`…), for errors about secrets. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** The `(got …)` part of a failed check: the value, or only its type when it is a secret. */
export function describeGot(value: unknown, failure: CheckFailure): string {
  return failure.isSecret === true ? describeType(value) : describeValue(value);
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export const string: Check<string> = (v) =>
  typeof v === 'string' ? { ok: true, value: v } : { ok: false, expected: 'a string' };

/** Passwords written as bare numbers are refused: YAML 1.1 turns `0123` into 83. The error never shows the value. */
export const secret: Check<string> = (v) =>
  typeof v === 'string' ? { ok: true, value: v } : { ok: false, expected: 'a string (quote it)', isSecret: true };

export const boolean: Check<boolean> = (v) =>
  typeof v === 'boolean' ? { ok: true, value: v } : { ok: false, expected: 'a boolean (true/false, yes/no)' };

/** salt keeps `ssh_port` as the string "22"; digit strings are accepted. */
export const port: Check<number> = (v) => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535
    ? { ok: true, value: n }
    : { ok: false, expected: 'an integer 1-65535' };
};

export const positiveInt: Check<number> = (v) => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0
    ? { ok: true, value: n }
    : { ok: false, expected: 'a positive integer' };
};

/** Seconds that become a Node timer: above 2^31-1 ms a timer fires at once, so larger values are refused. */
export const timeoutSeconds: Check<number> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= DEFAULTS.maxTimeoutSec
    ? { ok: true, value: v }
    : { ok: false, expected: `a positive number of seconds up to ${DEFAULTS.maxTimeoutSec} (24 days)` };

export const nonNegativeNumber: Check<number> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? { ok: true, value: v }
    : { ok: false, expected: 'a non-negative number' };

export const mapping: Check<Record<string, unknown>> = (v) =>
  isMapping(v) ? { ok: true, value: v } : { ok: false, expected: 'a mapping' };

export const stringList: Check<string[]> = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string')
    ? { ok: true, value: v }
    : { ok: false, expected: 'a list of strings' };

export const stringOrStringList: Check<string | string[]> = (v) =>
  typeof v === 'string' ? { ok: true, value: v } : stringList(v);

export const anyValue: Check<unknown> = (v) => ({ ok: true, value: v });

/** Reads one option through a check; null/undefined is absent, a bad value a ConfigError naming `where` and the key. */
export function readOption<T>(
  opts: Readonly<Record<string, unknown>>,
  key: string,
  check: Check<T>,
  where: string,
): T | undefined {
  const value = Object.hasOwn(opts, key) ? opts[key] : undefined;
  if (value === null || value === undefined) return undefined;
  const res = check(value);
  if (!res.ok) throw new ConfigError(`${where}: key '${key}' must be ${res.expected} (got ${describeGot(value, res)})`);
  return res.value;
}
