/** A job over the local transport with a throwaway SQLite cache: the library as a queue worker or web view would drive it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFunctionArgs } from '../../../src/job/args.js';
import type { JobContext, JobRequest } from '../../../src/job/types.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { loadFunction } from '../../../src/modules/registry.js';
import { createTransports, type TransportLoader } from '../../../src/transport/registry.js';
import { localTransport } from '../../../src/transport/local.js';
import type { HostTarget, Transport } from '../../../src/transport/types.js';

export interface JobFixture {
  cache: LocalJobCache;
  context(loaders?: Record<string, TransportLoader>): JobContext;
  close(): Promise<void>;
}

export function openFixture(): JobFixture {
  const dir = mkdtempSync(join(tmpdir(), 'brine-job-'));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  return {
    cache,
    context: (loaders) => ({
      cache,
      transports: createTransports(loaders ?? { local: () => Promise.resolve(localTransport) }),
      now: () => new Date(),
      user: 'tester',
      pid: process.pid,
    }),
    async close() {
      await cache.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function localTarget(id: string, connection: HostTarget['connection'] = 'local'): HostTarget {
  return { id, host: '127.0.0.1', port: 22, user: 'root', sudo: false, tty: false, connectTimeoutSec: 5, identitiesOnly: false, connection };
}

export async function jobRequest(
  fun: string,
  argv: string[],
  targets: JobRequest['targets'],
  extra: Partial<JobRequest> = {},
): Promise<JobRequest> {
  return {
    tgt: '*',
    tgtType: 'glob',
    targets,
    fun,
    argv,
    parsed: parseFunctionArgs(argv),
    fn: await loadFunction(fun),
    maxProcs: 4,
    commandTimeoutSec: 30,
    connect: { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent/known_hosts' } },
    ...extra,
  };
}

/** A transport that never connects until the job is aborted, as a host behind a black hole would. */
export const hangingTransport: Transport = {
  connect(target, options) {
    return new Promise((_resolve, reject) => {
      const signal = options.signal;
      if (signal === undefined) return;
      const onAbort = () => reject(new Error(`connect to ${target.id} aborted`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Hosts yielded one at a time by an async generator; each waits for `gate(i)` first. */
export async function* fedTargets(ids: string[], gate: (index: number) => Promise<void> = () => Promise.resolve()): AsyncGenerator<HostTarget> {
  for (const [index, id] of ids.entries()) {
    await gate(index);
    yield localTarget(id);
  }
}
