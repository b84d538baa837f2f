import type { BrineConfig } from '../config/load.js';
import { ConfigError, UsageError } from '../errors.js';
import type { DeliveryQueue, DeliveryTarget, JobCache } from '../jobcache/types.js';
import { deliveryTargets } from './deliveries.js';
import { closeQuietly, startForwarder } from './forward.js';
import { loadReturner, parseReturnerList, requireAvailable, requireCapability, RETURNERS, type ReturnerRegistry } from '../returners/registry.js';
import { parseSettings, settingsKey } from './settings.js';
import type { Returner } from '../returners/types.js';

export interface ReturnerFlags {
  return?: string;
  returnConfig?: string;
  returnKwargs?: string;
}

/** The returners a run forwards to, and the background delivery of their pending items. */
export interface Forwarding {
  /** The queues (`mysql`, `event:mysql`) to record with the load and each return, with this run's returner settings. */
  returnerNames: DeliveryTarget[];
  notify(): void;
  finish(): Promise<void>;
}

/** How long the end of a run keeps retrying a returner that is down before leaving the rest pending. */
const FINISH_TIMEOUT_MS = 10_000;

const NO_FORWARDING: Forwarding = { returnerNames: [], notify() {}, async finish() {} };

/**
 * `--return a,b` and `master_job_cache` get every return; `event_return` gets job events. The local
 * job cache is where everything is first committed, so `local_cache` needs no delivery.
 */
export async function startForwarding(
  flags: ReturnerFlags,
  config: Pick<BrineConfig, 'opts'>,
  cache: JobCache & DeliveryQueue,
  warn: (line: string) => void,
  registry: ReturnerRegistry = RETURNERS,
): Promise<Forwarding> {
  const returnTo = new Set(flags.return === undefined ? [] : parseReturnerList(flags.return, '--return', registry));
  const master = masterJobCacheName(config.opts, registry);
  if (master !== undefined) returnTo.add(master);
  const eventTo = new Set(nameList(config.opts.event_return, 'event_return', registry));
  returnTo.delete('local_cache');
  eventTo.delete('local_cache');
  if (returnTo.size === 0 && eventTo.size === 0) return NO_FORWARDING;

  // a missing driver is one line before any returner is built (or any host contacted)
  for (const name of new Set([...returnTo, ...eventTo])) await requireAvailable(name, registry);
  const returnKwargs = parseReturnKwargs(flags.returnKwargs);
  // stored with every queued item, so a return that has to wait still goes where this run sends it
  const settings = settingsKey({ returnConfig: flags.returnConfig, returnKwargs });
  const returners = new Map<string, Returner>();
  for (const name of new Set([...returnTo, ...eventTo])) {
    const returner = await loadReturner(name, { opts: config.opts, returnConfig: flags.returnConfig, returnKwargs, localCache: cache }, registry);
    if (name === master) requireCapability(returner, 'jobCache', 'master_job_cache');
    if (eventTo.has(name)) requireCapability(returner, 'events', 'event_return');
    returners.set(name, returner);
  }
  const forwarder = startForwarder({
    queue: cache,
    returners,
    settings,
    loadReturner: (name, queued) => loadReturner(name, { opts: config.opts, ...parseSettings(queued), localCache: cache }, registry),
    returnTo: [...returnTo],
    eventReturners: [...eventTo],
    warn,
  });
  // Whatever earlier runs left pending for these returners goes first.
  forwarder.notify();
  return {
    returnerNames: deliveryTargets([...returnTo], [...eventTo], settings),
    notify: () => forwarder.notify(),
    async finish() {
      await forwarder.finish(FINISH_TIMEOUT_MS);
      await Promise.all([...returners.values()].map(closeQuietly));
    },
  };
}

/** `master_job_cache`, unless it is the local cache (the default). */
export function masterJobCacheName(opts: Readonly<Record<string, unknown>>, registry: ReturnerRegistry = RETURNERS): string | undefined {
  const [name] = nameList(opts.master_job_cache, 'master_job_cache', registry);
  return name === undefined || name === 'local_cache' ? undefined : name;
}

/** A config key naming returners; a bad one is a config error (exit 78), not a usage error. */
function nameList(value: unknown, key: string, registry: ReturnerRegistry): string[] {
  if (value === undefined || value === null || value === '' || value === false) return [];
  if (typeof value !== 'string' && !Array.isArray(value)) throw new ConfigError(`${key}: expected a returner name or a list of them`);
  try {
    return parseReturnerList(typeof value === 'string' ? value : value.map(String).join(','), key, registry);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function parseReturnKwargs(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--return_kwargs: not valid JSON: ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--return_kwargs: expected a JSON object, e.g. \'{"db": "other"}\'');
  }
  return parsed as Record<string, unknown>;
}
