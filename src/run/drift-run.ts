/**
 * A salt-ssh run's view of drift: `--changes` (print only the hosts whose return differs from the
 * audit's previous run) and the alert filter (`--return-only`, `<returner>.return_only`). Both share
 * one tracker, so the predecessor is read once and each return compared once.
 */
import type { HostReturn } from '../core/job.js';
import type { MasterOptions } from '../config/types.js';
import { alertPolicies, createReturnRouter, type AlertFlags } from '../delivery/alert-filter.js';
import { createDriftTracker } from '../jobcache/drift.js';
import type { DeliveryTarget, JobCache } from '../jobcache/types.js';
import type { ReturnerRegistry } from '../returners/registry.js';

export interface DriftFlags extends AlertFlags {
  /** `--changes`. */
  isChangesOnly?: boolean;
}

export interface DriftRun {
  /** runJob's `routeReturn` for these routes, or undefined when none of them is filtered. */
  routeFor(forwardTo: readonly DeliveryTarget[]): ((ret: HostReturn) => Promise<readonly DeliveryTarget[]>) | undefined;
  /** False for a host `--changes` hides (its return equals the previous run's). */
  isShown(ret: HostReturn): Promise<boolean>;
  /**
   * `--changes`' closing line for stderr, naming how many hosts were hidden. When nothing changed and
   * stderr is not a terminal (cron) there is none: an empty output is what keeps cron from mailing.
   */
  note(jid: string, isTerminal: boolean): Promise<string | undefined>;
}

export function startDriftRun(
  flags: DriftFlags,
  opts: MasterOptions,
  cache: JobCache,
  warn: (line: string) => void,
  returners?: ReturnerRegistry,
): DriftRun {
  const drift = createDriftTracker(cache);
  const policies = alertPolicies(flags, opts, warn, returners);
  let unchanged = 0;
  const seen = new Set<string>();
  return {
    routeFor: (forwardTo) => createReturnRouter(forwardTo, policies, drift, warn),
    async isShown(ret) {
      if (flags.isChangesOnly !== true) return true;
      seen.add(ret.id);
      if ((await drift.statusOf(ret)) !== 'unchanged') return true;
      unchanged += 1;
      return false;
    },
    async note(jid, isTerminal) {
      if (flags.isChangesOnly !== true) return undefined;
      const { predecessor, hosts } = await drift.baseline(jid);
      const missing = [...hosts.keys()].filter((id) => !seen.has(id)).length;
      if (predecessor !== undefined && unchanged === seen.size && missing === 0 && !isTerminal) return undefined;
      if (predecessor === undefined) return '[NOTE    ] --changes: no earlier finished run of this audit (same function, arguments and target); every host is shown';
      const gone = missing === 0 ? '' : `; ${missing} hosts of that run did not return in this one`;
      return `[NOTE    ] --changes: ${unchanged} of ${seen.size} hosts unchanged since jid ${predecessor.load.jid} (not shown)${gone}`;
    },
  };
}
