import { UsageError } from '../errors.js';
import type { RunnerFunction } from './types.js';

type RunnerLoader = () => Promise<RunnerFunction>;

/** salt's runner names → lazy imports, so `salt-run` loads only the module it runs. */
const RUNNERS: Readonly<Record<string, RunnerLoader>> = Object.freeze({
  'jobs.active': async () => (await import('./jobs.js')).active,
  'jobs.clean': async () => (await import('./jobs.js')).clean,
  'jobs.diff': async () => (await import('./diff.js')).diff,
  'jobs.exit_success': async () => (await import('./jobs.js')).exitSuccess,
  'jobs.last_run': async () => (await import('./jobs.js')).lastRun,
  'jobs.list_job': async () => (await import('./jobs.js')).listJob,
  'jobs.list_jobs': async () => (await import('./jobs.js')).listJobs,
  'jobs.list_jobs_filter': async () => (await import('./jobs.js')).listJobsFilter,
  'jobs.lookup_jid': async () => (await import('./jobs.js')).lookupJid,
  'jobs.print_job': async () => (await import('./jobs.js')).printJob,
  'returners.clean': async () => (await import('./returners.js')).clean,
  'returners.flush': async () => (await import('./returners.js')).flush,
  'returners.init': async () => (await import('./returners.js')).init,
  'returners.pending': async () => (await import('./returners.js')).pending,
  'returners.test': async () => (await import('./returners-test.js')).test,
});

/** Every runner function name, sorted (what `salt-run` with no function prints). */
export function listRunners(): string[] {
  return Object.keys(RUNNERS).sort();
}

/** Loads a runner function; an unknown name is a UsageError listing the available ones. */
export async function loadRunner(fun: string): Promise<RunnerFunction> {
  const loader = Object.hasOwn(RUNNERS, fun) ? RUNNERS[fun] : undefined;
  if (loader === undefined) {
    throw new UsageError(`'${fun}' is not available; runner functions: ${listRunners().join(', ')}`);
  }
  return loader();
}
