import type { MasterOptions } from '../config/types.js';
import type { JobCache } from '../jobcache/types.js';
import type { HostReturn, JobLoad } from '../core/job.js';

/** An event as salt's event_return receives it. */
export interface SaltEvent {
  tag: string;
  data: Record<string, unknown>;
}

/** What a returner can do, so the registry can refuse e.g. a write-only returner as master_job_cache. */
export interface ReturnerCapabilities {
  /** get_load/get_jid/get_jids work: it can serve `salt-run jobs.*` as master_job_cache. */
  jobCache: boolean;
  /** event_return is implemented. */
  events: boolean;
  /** clean_old_jobs is implemented. */
  retention: boolean;
}

/**
 * salt's returner interface (salt/returners/*.py), typed. `returner` receives a batch: brine
 * forwards returns in batches from its delivery queue, and each must be stored exactly once
 * (delivery is retried after crashes, so a returner must skip returns it already has).
 */
export interface Returner {
  readonly name: string;
  readonly capabilities: ReturnerCapabilities;
  returner(rets: readonly HostReturn[]): Promise<void>;
  saveLoad?(jid: string, load: JobLoad, minions?: readonly string[]): Promise<void>;
  saveMinions?(jid: string, minions: readonly string[]): Promise<void>;
  getLoad?(jid: string): Promise<JobLoad | undefined>;
  getJid?(jid: string): Promise<Record<string, HostReturn>>;
  getFun?(fun: string): Promise<Record<string, string>>;
  getJids?(): Promise<Array<{ jid: string; load: JobLoad }>>;
  getJidsFilter?(count: number, filterFindJob: boolean): Promise<Array<{ jid: string; load: JobLoad }>>;
  getMinions?(): Promise<string[]>;
  prepJid?(passedJid?: string): Promise<string>;
  eventReturn?(events: readonly SaltEvent[]): Promise<void>;
  /** Removes what is older than keep_jobs_seconds; may say how many jobs it removed. */
  cleanOldJobs?(keepSeconds: number): Promise<number | void>;
  /**
   * Retention for a returner store (`salt-run returners.clean`): removes rows older than `keepSeconds`
   * in batches of `batchSize` rows per statement, at most `maxBatches` per table; resolves to the rows
   * removed per table.
   */
  cleanOldRows?(keepSeconds: number, limits?: { batchSize?: number; maxBatches?: number }): Promise<Record<string, number>>;
  /** Creates missing tables (`salt-run returners.init`); resolves to one line saying what is ready. */
  init?(): Promise<string>;
  close(): Promise<void>;
}

/** What a returner is built from: the master options plus this run's `--return_config` / `--return_kwargs`. */
export interface ReturnerLoadContext {
  opts: MasterOptions;
  returnConfig?: string | undefined;
  returnKwargs?: Readonly<Record<string, unknown>> | undefined;
  /** The local job cache, for the `local_cache` returner. */
  localCache?: JobCache | undefined;
  /** Injected clock (prep_jid, retention). */
  now?: (() => Date) | undefined;
}

/** One returner file: its registry key maps to a lazy import of a module exporting this. */
export interface ReturnerModule {
  createReturner(ctx: ReturnerLoadContext): Returner | Promise<Returner>;
}
