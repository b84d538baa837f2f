import type { MasterOptions } from '../config/types.js';
import { keepJobsSeconds } from '../salt/retention.js';
import type { JobCache } from './types.js';

/** Jobs removed per run start: one short transaction (~10 ms for 10-host jobs), so a normal run never waits on cleanup. */
export const RUN_START_BATCH = 100;

/** The epoch-ms cutoff before which jobs are removed (salt's keep_jobs rule), or undefined when retention is off. */
export function retentionCutoff(opts: MasterOptions, now: Date): number | undefined {
  const keep = keepJobsSeconds(opts);
  return keep === 0 ? undefined : now.getTime() - keep * 1000;
}

/** The jobs retention keeps because deliveries still wait for them (the local cache can tell). */
interface HoldReporter {
  heldByDeliveries(olderThan: number): Promise<{ jobs: number; deliveries: number; queues: string[] }>;
}

function canReportHolds(cache: JobCache): cache is JobCache & HoldReporter {
  return typeof (cache as Partial<HoldReporter>).heldByDeliveries === 'function';
}

/**
 * One line saying which jobs past the cutoff were kept because their returns are not delivered yet
 * (retention never deletes an undelivered return), or undefined when none were.
 */
export async function describeHeldJobs(cache: JobCache, cutoff: number): Promise<string | undefined> {
  if (!canReportHolds(cache)) return undefined;
  const held = await cache.heldByDeliveries(cutoff);
  if (held.jobs === 0) return undefined;
  const jobs = held.jobs === 1 ? '1 job' : `${held.jobs} jobs`;
  return (
    `[WARNING ] keep_jobs_seconds: kept ${jobs} past retention: ${held.deliveries} deliveries to ` +
    `${held.queues.join(', ')} still pending (salt-run returners.pending)`
  );
}

/**
 * Cheap enough for every run start: at most one batch of `batchSize` old jobs. salt-ssh never
 * cleans (only a salt-master's maintenance loop does), so brine does it here. `warn` hears which
 * old jobs were kept because they still wait for delivery.
 */
export async function applyRetention(
  cache: JobCache,
  opts: MasterOptions,
  now: Date,
  batchSize: number = RUN_START_BATCH,
  warn?: (line: string) => void,
): Promise<number> {
  const cutoff = retentionCutoff(opts, now);
  if (cutoff === undefined) return 0;
  const removed = await cache.cleanOldJobs(cutoff, batchSize, 1);
  if (warn && removed < batchSize) {
    const line = await describeHeldJobs(cache, cutoff);
    if (line !== undefined) warn(line);
  }
  return removed;
}
