/**
 * Which hosts a salt-ssh target names: roster ids by glob/-E/-L/-N, grains from the job cache (-G),
 * and salt-ssh's `user@host[:port]`, which may name a host outside the roster.
 */
import { lookup } from 'node:dns/promises';
import { NoMatchError } from '../errors.js';
import type { JobCache } from '../jobcache/types.js';
import { matchTargets, nodegroupsFromOpts, type TargetType } from '../targeting/match.js';
import { isLiteralHost, parseSshTarget, type SshTarget } from '../targeting/ssh-target.js';
import type { HostTarget } from '../transport/types.js';
import { loadCachedGrains } from './cached-grains.js';

/** How long a bare name outside the roster may take to resolve before it counts as no match. */
const LOOKUP_TIMEOUT_MS = 2000;

export interface SelectedHosts {
  ids: string[];
  /** The `user@`/`:port` of a `user@host:port` target, applied over each selected host. */
  sshTarget?: SshTarget;
}

export interface SelectOptions {
  /** `--delimiter` for -G. */
  delimiter?: string;
  /** Resolves a host name; rejects when it cannot (tests inject one). */
  resolveHost?: (host: string) => Promise<unknown>;
}

async function resolvesInTime(host: string, resolveHost: (host: string) => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([resolveHost(host).then(() => true, () => false), expired]);
  } finally {
    clearTimeout(timer);
  }
}

export async function selectHosts(
  tgt: string,
  type: TargetType,
  rosterIds: readonly string[],
  opts: Readonly<Record<string, unknown>>,
  cache: JobCache,
  options: SelectOptions = {},
): Promise<SelectedHosts> {
  const nodegroups = nodegroupsFromOpts(opts);
  if (type === 'grain') {
    const grains = await loadCachedGrains(cache, rosterIds);
    if (grains.size === 0) {
      throw new NoMatchError(
        "-G/--grain: no roster host has cached grains; brine matches grains from the job cache, so run salt-ssh '*' grains.items first",
      );
    }
    const ids = matchTargets(rosterIds, tgt, type, nodegroups, { grains, ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }) });
    if (ids.length === 0) throw new NoMatchError(`No matching targets found in roster (-G matched the cached grains of ${grains.size} of ${rosterIds.length} hosts).`);
    return { ids };
  }
  const direct = matchTargets(rosterIds, tgt, type, nodegroups);
  if (direct.length > 0 || type !== 'glob' || (!tgt.includes('@') && !isLiteralHost(tgt))) {
    if (direct.length === 0) throw new NoMatchError();
    return { ids: direct };
  }
  const sshTarget = parseSshTarget(tgt);
  const ids = matchTargets(rosterIds, sshTarget.host, type, nodegroups);
  if (ids.length > 0) return { ids, sshTarget };
  if (!isLiteralHost(sshTarget.host)) throw new NoMatchError();
  // salt-ssh contacts a host outside the roster when its name resolves; `user@host` says so explicitly.
  const isExplicit = sshTarget.user !== undefined || sshTarget.port !== undefined;
  if (!isExplicit && !(await resolvesInTime(sshTarget.host, options.resolveHost ?? ((host) => lookup(host))))) throw new NoMatchError();
  return { ids: [sshTarget.host], sshTarget };
}

/** A resolved host with the target's `user@` and `:port` over its roster values. */
export function withSshTarget(target: HostTarget, sshTarget: SshTarget | undefined): HostTarget {
  if (sshTarget === undefined) return target;
  return {
    ...target,
    ...(sshTarget.user === undefined ? {} : { user: sshTarget.user }),
    ...(sshTarget.port === undefined ? {} : { port: sshTarget.port }),
  };
}
