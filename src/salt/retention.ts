import { ConfigError } from '../errors.js';

/** salt's defaults for the two retention keys: one day either way. */
export const DEFAULT_KEEP_JOBS_HOURS = 24;
export const DEFAULT_KEEP_JOBS_SECONDS = 86_400;

function nonNegative(opts: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = opts[key];
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new ConfigError(`${key}: expected a non-negative number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * salt's `get_keep_jobs_seconds`: `keep_jobs_seconds` (default 86400) wins, unless it is at its
 * default and the deprecated `keep_jobs` (hours, default 24) is not. `0` keeps jobs forever.
 * Idempotent: applying it to options it already derived gives the same answer.
 */
export function keepJobsSeconds(opts: Readonly<Record<string, unknown>>): number {
  const hours = nonNegative(opts, 'keep_jobs', DEFAULT_KEEP_JOBS_HOURS);
  const seconds = nonNegative(opts, 'keep_jobs_seconds', DEFAULT_KEEP_JOBS_SECONDS);
  if (hours !== DEFAULT_KEEP_JOBS_HOURS && seconds === DEFAULT_KEEP_JOBS_SECONDS) return hours * 3600;
  return seconds;
}
