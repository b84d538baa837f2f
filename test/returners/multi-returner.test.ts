import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { createReturner as createSqlite3 } from '../../src/returners/sqlite3.js';
import type { ReturnerError } from '../../src/returners/failure.js';
import type { Returner, ReturnerLoadContext } from '../../src/returners/types.js';
import { ConfigError } from '../../src/errors.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { holdSqliteLock } from '../helpers/lock-holders.js';

const dirs: string[] = [];
const caches: LocalJobCache[] = [];
afterAll(async () => {
  for (const cache of caches) await cache.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp dir with an initialised sqlite3 file, a local job cache and a rawfile_json path. */
async function stores(timeout = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'brine-multi-'));
  dirs.push(dir);
  const db = join(dir, 'salt.db');
  const init = createSqlite3({ opts: { 'sqlite3.database': db } });
  await init.init();
  await init.close();
  const cache = openLocalCache(join(dir, 'cache', 'jobs.sqlite'));
  caches.push(cache);
  const ctx = (members: unknown, extra: Record<string, unknown> = {}): ReturnerLoadContext => ({
    opts: { multi_returner: members, 'sqlite3.database': db, 'sqlite3.timeout': timeout, 'rawfile_json.filename': join(dir, 'events'), ...extra },
    localCache: cache,
  });
  return { dir, db, cache, ctx };
}
const sqliteIds = (db: string, jid: string): string[] =>
  execFileSync('sqlite3', [db, `SELECT id FROM salt_returns WHERE jid = '${jid}' ORDER BY id`], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');

returnerContractSuite('multi_returner', async () => {
  const { ctx } = await stores();
  return { returner: await loadReturner('multi_returner', ctx(['local_cache', 'sqlite3'])) };
}, ['save_load', 'get_jid', 'get_jids', 'prep_jid']);

describe('multi_returner', () => {
  it('writes each member in order and merges their reads, the later member winning', async () => {
    const { db, cache, ctx } = await stores();
    const multi = await loadReturner('multi_returner', ctx('local_cache, sqlite3'));
    const jid = await multi.prepJid?.();
    expect(jid).toMatch(/^\d{20}$/);
    await multi.saveLoad?.(jid ?? '', jobLoad(jid ?? '', 'cmd.run', ['id']), ['a', 'b']);
    await multi.returner([hostReturn(jid ?? '', 'a', 'uid=0'), { ...hostReturn(jid ?? '', 'b', 'boom'), retcode: 2, success: false }]);
    expect(sqliteIds(db, jid ?? '')).toEqual(['a', 'b']);
    expect(Object.keys(await cache.getJid(jid ?? '')).sort()).toEqual(['a', 'b']);
    // sqlite3 (listed last) wins: its schema has no retcode, so b's reads back as 1
    expect((await multi.getJid?.(jid ?? ''))?.['b']).toMatchObject({ return: 'boom', retcode: 1, success: false });
    const first = await loadReturner('multi_returner', ctx(['sqlite3', 'local_cache']));
    expect((await first.getJid?.(jid ?? ''))?.['b']).toMatchObject({ retcode: 2 });
    expect((await multi.getJids?.())?.map((j) => j.jid)).toContain(jid);
    expect('cleanOldJobs' in multi).toBe(false); // sqlite3 keeps what local_cache would prune
    expect(() => requireCapability(multi, 'jobCache', 'master_job_cache')).not.toThrow();
    await Promise.all([multi.close(), first.close()]);
  });

  it('a failing member does not stop the others; the error names it with its scope', async () => {
    const { dir, db, ctx } = await stores();
    const multi = await loadReturner('multi_returner', ctx(['rawfile_json', 'sqlite3'], { 'rawfile_json.filename': join(dir, 'gone', 'events') }));
    const jid = testJid();
    const err = (await multi.returner([hostReturn(jid, 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect(err.scope).toBe('returner');
    expect(err.message).toMatch(/^multi_returner: rawfile_json: rawfile_json \S+gone\/events: ENOENT/);
    expect(sqliteIds(db, jid)).toEqual(['a']);
    expect(() => requireCapability(multi, 'jobCache', 'master_job_cache')).toThrow("returner 'multi_returner' cannot serve as master_job_cache");
    await multi.close();
  });

  it('refuses a missing, self-listing, repeated or unknown member list as a config error', async () => {
    const { ctx } = await stores();
    const load = (members: unknown): Promise<Returner> => loadReturner('multi_returner', ctx(members));
    await expect(load(undefined)).rejects.toThrow(new ConfigError('multi_returner: expected a list of returner names, e.g. multi_returner: [local_cache, mysql]'));
    await expect(load(['sqlite3', 'multi_returner'])).rejects.toThrow('multi_returner: cannot list itself');
    await expect(load(['sqlite3', 'sqlite3'])).rejects.toThrow('multi_returner: lists sqlite3 twice');
    const unknown = (await load(['sqlite3', 'nosuch']).catch((e: unknown) => e)) as ConfigError;
    expect(unknown).toBeInstanceOf(ConfigError);
    expect(unknown.message).toMatch(/^multi_returner: unknown returner 'nosuch'; valid returners: /);
  });
});

returnerDeliveryContract('multi_returner', async () => {
  const { dir, db, ctx } = await stores(0.2);
  execFileSync('sqlite3', [db, "CREATE TRIGGER refuse BEFORE INSERT ON salt_returns WHEN NEW.id = 'refused' BEGIN SELECT RAISE(ABORT, 'id refused by policy'); END"]);
  let lock: Awaited<ReturnType<typeof holdSqliteLock>> | undefined;
  return {
    // rawfile_json takes every batch at once; what sqlite3 holds shows that the composite kept retrying
    returner: await loadReturner('multi_returner', ctx(['rawfile_json', 'sqlite3'])),
    down: async () => {
      lock = await holdSqliteLock(db);
    },
    up: async () => {
      await lock?.release();
    },
    storedIds: async (jid) => {
      // every member has each return, sqlite3 exactly once
      const filed = new Set(readFileSync(join(dir, 'events'), 'utf8').split('\n').filter((l) => l.includes(jid)).map((l) => String((JSON.parse(l) as { id: string }).id)));
      return sqliteIds(db, jid).filter((id) => filed.has(id));
    },
    poison: (jid) => hostReturn(jid, 'refused'),
  };
});
