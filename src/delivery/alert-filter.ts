/**
 * Alerts on what matters: a `--return` returner can be sent only the returns that failed, or that
 * changed since the audit's previous run, so an hourly audit of 1,000 hosts mails the three that
 * drifted. Per returner with `<returner>.return_only` (also `<return_config>.<returner>.return_only`),
 * for the whole run with `--return-only`: `failed`, `changed`, `failed,changed`, or `all` (the default).
 * salt's own filter keys (slack's `only_show_failed`, `changes`) map onto the same (SALT_FILTER_KEYS).
 *
 * The local job cache keeps every return either way, and the job's load still goes to the returner.
 * A master_job_cache is never filtered: it is the job cache `salt-run` reads. `changed` is
 * jobcache/drift.ts's: anything but `unchanged` (new host, newly failing, recovered included); a run
 * with no predecessor (the first) sends every return.
 */
import type { HostReturn } from '../core/job.js';
import type { MasterOptions } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { isFailedReturn, type DriftTracker } from '../jobcache/drift.js';
import type { DeliveryTarget } from '../jobcache/types.js';
import { returnerOptions } from '../returners/options.js';
import { parseReturnerList, RETURNERS, type ReturnerRegistry } from '../returners/registry.js';
import { masterJobCacheName } from './forwarding.js';

export type ReturnOnly = 'failed' | 'changed';

const WORDS: ReadonlySet<string> = new Set(['failed', 'changed', 'all']);

/** `failed`, `changed`, `failed,changed` or `all`; undefined means every return. */
export function parseReturnOnly(value: unknown, where: string, isFlag: boolean): ReadonlySet<ReturnOnly> | undefined {
  const fail = (detail: string) =>
    isFlag ? new UsageError(`${where}: ${detail}`) : new ConfigError(`${where}: ${detail}`);
  if (typeof value !== 'string') throw fail(`expected failed, changed, failed,changed or all, got a ${Array.isArray(value) ? 'list' : typeof value}`);
  const words = value.split(',').map((w) => w.trim().toLowerCase()).filter((w) => w !== '');
  const bad = words.find((w) => !WORDS.has(w));
  if (bad !== undefined || words.length === 0) throw fail(`expected failed, changed, failed,changed or all, got '${value.slice(0, 200)}'`);
  if (words.includes('all')) {
    if (words.length > 1) throw fail(`'all' cannot be combined with other values, got '${value}'`);
    return undefined;
  }
  return new Set(words as ReturnOnly[]);
}

export interface AlertFlags {
  return?: string;
  returnConfig?: string;
  /** `--return-only`: overrides every `<returner>.return_only` of this run's `--return` returners. */
  returnOnly?: string;
}

/**
 * salt's own filter keys, read as `<returner>.return_only` when that is unset (it wins when set):
 * slack's `only_show_failed: True` is `failed`, `changes: True` is `changed`, both `failed,changed`.
 * salt applies them to the states inside one return; brine to whole returns. One line per returner.
 */
const SALT_FILTER_KEYS: Readonly<Record<string, Readonly<Record<string, ReturnOnly>>>> = {
  slack: { only_show_failed: 'failed', changes: 'changed' },
};

function saltFilterPolicy(name: string, opts: MasterOptions, returnConfig: string | undefined): ReadonlySet<ReturnOnly> | undefined {
  const keys = Object.hasOwn(SALT_FILTER_KEYS, name) ? SALT_FILTER_KEYS[name] : undefined;
  if (keys === undefined) return undefined;
  const schema = Object.fromEntries(Object.keys(keys).map((key) => [key, { kind: 'bool' as const }]));
  const values = returnerOptions(name, opts, { returnConfig }, schema);
  const words = Object.entries(keys).filter(([key]) => values[key] === true).map(([, word]) => word);
  return words.length === 0 ? undefined : new Set(words);
}

/** The filter of each `--return` returner that has one; empty when every return goes everywhere. */
export function alertPolicies(
  flags: AlertFlags,
  opts: MasterOptions,
  warn: (line: string) => void,
  registry: ReturnerRegistry = RETURNERS,
): Map<string, ReadonlySet<ReturnOnly>> {
  const policies = new Map<string, ReadonlySet<ReturnOnly>>();
  const flagPolicy = flags.returnOnly === undefined ? undefined : parseReturnOnly(flags.returnOnly, '--return-only', true);
  if (flags.return === undefined) {
    if (flags.returnOnly !== undefined) throw new UsageError('--return-only: needs --return naming the returners to filter');
    return policies;
  }
  const master = masterJobCacheName(opts, registry);
  for (const name of parseReturnerList(flags.return, '--return', registry)) {
    let policy: ReadonlySet<ReturnOnly> | undefined;
    if (flags.returnOnly !== undefined) policy = flagPolicy;
    else {
      const { return_only: value } = returnerOptions(name, opts, { returnConfig: flags.returnConfig }, { return_only: { kind: 'string' } });
      policy = value === undefined ? saltFilterPolicy(name, opts, flags.returnConfig) : parseReturnOnly(value, `${name}.return_only`, false);
    }
    if (policy === undefined || name === 'local_cache') continue;
    if (name === master) {
      warn(`[WARNING ] ${name}.return_only ignored: ${name} is the master_job_cache, which keeps every return`);
      continue;
    }
    policies.set(name, policy);
  }
  return policies;
}

/**
 * The per-return routing for runJob's `routeReturn`, or undefined when no route is filtered. It never
 * rejects: if the predecessor cannot be read, the return goes everywhere and one warning says why.
 */
export function createReturnRouter(
  forwardTo: readonly DeliveryTarget[],
  policies: ReadonlyMap<string, ReadonlySet<ReturnOnly>>,
  drift: DriftTracker,
  warn: (line: string) => void,
): ((ret: HostReturn) => Promise<readonly DeliveryTarget[]>) | undefined {
  const queueOf = (target: DeliveryTarget) => (typeof target === 'string' ? target : target.queue);
  if (!forwardTo.some((target) => policies.has(queueOf(target)))) return undefined;
  let hasWarned = false;
  return async (ret) => {
    let isChanged: boolean | undefined;
    const wants = async (policy: ReadonlySet<ReturnOnly>): Promise<boolean> => {
      if (policy.has('failed') && isFailedReturn(ret)) return true;
      if (!policy.has('changed')) return false;
      isChanged ??= (await drift.statusOf(ret)) !== 'unchanged';
      return isChanged;
    };
    try {
      const routes: DeliveryTarget[] = [];
      for (const target of forwardTo) {
        const policy = policies.get(queueOf(target));
        if (policy === undefined || (await wants(policy))) routes.push(target);
      }
      return routes;
    } catch (err) {
      if (!hasWarned) warn(`[WARNING ] return_only: cannot compare with the previous run (${(err as Error).message}); sending every return`);
      hasWarned = true;
      return forwardTo;
    }
  };
}
