import type { Logger } from '../core/log.js';
import { ExitCode } from '../errors.js';
import { listRunners, loadRunner } from '../runners/registry.js';
import { parseFunctionArgs } from '../job/args.js';
import { openDisplay, type OutputFlags } from '../display/display.js';
import type { ProcessIo } from './salt-ssh.js';
import { openCacheSession, type CacheSession, type ConfigFlags } from './session.js';
import { masterJobCacheName } from '../delivery/forwarding.js';
import { loadReturner, requireCapability } from '../returners/registry.js';
import { openMasterJobCache } from '../returners/master-cache.js';
import type { JobCache } from '../jobcache/types.js';
import type { ReturnersRunnerContext } from '../runners/returners.js';

export interface SaltRunOptions extends ConfigFlags, OutputFlags {
  fun?: string;
  argv: string[];
}

/** `salt-run jobs.*` read the master job cache: the local cache, or e.g. mysql when `master_job_cache: mysql`. */
async function openJobCache(session: CacheSession, log?: Logger): Promise<{ cache: JobCache; close(): Promise<void> }> {
  const name = masterJobCacheName(session.config.opts, session.returners);
  log?.debug(`jobs.* read ${name === undefined ? 'the local job cache' : `master_job_cache ${name}`}`);
  if (name === undefined) return { cache: session.cache, close: async () => {} };
  const returner = await loadReturner(name, { opts: session.config.opts, localCache: session.cache }, session.returners);
  requireCapability(returner, 'jobCache', 'master_job_cache');
  return { cache: openMasterJobCache(returner), close: () => returner.close() };
}

/** salt-run: one runner function over the job cache, rendered with an outputter. */
export async function saltRun(options: SaltRunOptions, io: ProcessIo): Promise<number> {
  const display = openDisplay(options, io);
  try {
    if (options.fun === undefined) {
      display.show({ 'Available runner functions': listRunners() });
      return ExitCode.USAGE;
    }
    const runner = await loadRunner(options.fun);
    if (options.out !== undefined) display.outputter(); // a bad --out fails before the runner acts
    const session = await openCacheSession(options, io);
    try {
      const { args, kwargs } = parseFunctionArgs(options.argv);
      const jobCache = await openJobCache(session, io.log);
      try {
        const context: ReturnersRunnerContext = {
          cache: jobCache.cache,
          localCache: session.cache,
          returners: session.returners,
          opts: session.config.opts,
          now: () => new Date(),
          warn: (line: string) => void io.stderr.write(`${line}\n`),
          progress: (event) => display.show({ event, suffix: 'progress' }),
        };
        const result = await runner.run(args, kwargs, context);
        display.show(result.data as Record<string, unknown>, result.outputter);
        return result.exitCode;
      } finally {
        await jobCache.close();
      }
    } finally {
      await session.close();
    }
  } finally {
    display.close();
  }
}
