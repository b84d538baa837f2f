import type { HostReturn, JobLoad } from '../jobcache/types.js';

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
  /** Removes what is older than keep_jobs_seconds. */
  cleanOldJobs?(keepSeconds: number): Promise<void>;
  close(): Promise<void>;
}
