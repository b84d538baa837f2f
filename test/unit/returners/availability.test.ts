import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrineConfig } from '../../../src/config/load.js';
import { startForwarding } from '../../../src/delivery/forwarding.js';
import { ConfigError, ExitCode } from '../../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import {
  driverEntry,
  listReturners,
  listUsableReturners,
  loadReturner,
  RETURNERS,
  returnerDrivers,
  type ReturnerRegistry,
} from '../../../src/returners/registry.js';
import type { ReturnerModule } from '../../../src/returners/types.js';

const MISSING_DRIVER = 'brine-test-driver-that-is-not-installed';

/** The built-ins plus `fakedb`, whose driver cannot resolve; `loaded` counts imports of its file. */
function registryWithMissingDriver(): { registry: ReturnerRegistry; loaded: () => number } {
  let loads = 0;
  const load = (): Promise<ReturnerModule> => {
    loads++;
    return Promise.reject(new Error(`Cannot find package '${MISSING_DRIVER}'`));
  };
  return { registry: { ...RETURNERS, fakedb: driverEntry(MISSING_DRIVER, load) }, loaded: () => loads };
}

describe('returner driver availability (salt __virtual__)', () => {
  let dir: string;
  let cache: LocalJobCache;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'brine-avail-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterAll(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists only returners whose driver resolves; the built-ins are all usable here', async () => {
    const { registry } = registryWithMissingDriver();
    expect(await listUsableReturners(registry)).toEqual(listReturners());
    expect(await listUsableReturners()).toEqual(listReturners());
    expect(await registry['fakedb']?.isAvailable()).toBe(`the ${MISSING_DRIVER} package is not installed`);
  });

  it('--return with a missing driver is one config error line (exit 78) before the returner file is imported', async () => {
    const { registry, loaded } = registryWithMissingDriver();
    const config = { opts: {} } as unknown as BrineConfig;
    const err = await startForwarding({ return: 'fakedb' }, config, cache, () => undefined, registry).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`Returner fakedb is unavailable: the ${MISSING_DRIVER} package is not installed`);
    expect((err as ConfigError).exitCode).toBe(ExitCode.CONFIG);
    expect(loaded()).toBe(0);
  });

  it('event_return and master_job_cache naming it are refused the same way, and so is salt-run loading it', async () => {
    const { registry, loaded } = registryWithMissingDriver();
    const line = `Returner fakedb is unavailable: the ${MISSING_DRIVER} package is not installed`;
    for (const opts of [{ event_return: 'fakedb' }, { master_job_cache: 'fakedb' }]) {
      const config = { opts } as unknown as BrineConfig;
      await expect(startForwarding({}, config, cache, () => undefined, registry)).rejects.toThrow(line);
    }
    await expect(loadReturner('fakedb', { opts: {} }, registry)).rejects.toThrow(line);
    expect(loaded()).toBe(0);
  });

  it('names each driver package once, from the registry (what the bundle keeps external)', () => {
    expect(returnerDrivers()).toEqual(['ioredis', 'mysql2', 'nodemailer', 'pg']);
    expect(returnerDrivers(registryWithMissingDriver().registry)).toEqual([MISSING_DRIVER, 'ioredis', 'mysql2', 'nodemailer', 'pg'].sort());
  });
});
