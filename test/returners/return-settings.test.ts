import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrineConfig } from '../../src/config/load.js';
import { ExitCode } from '../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { V1 } from '../../src/jobcache/schema.js';
import { openSqliteFile } from '../../src/jobcache/sqlite.js';
import { startForwarding } from '../../src/delivery/forwarding.js';
import { flush, init, pending, type ReturnersRunnerContext } from '../../src/runners/returners.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';

describe('queued returns keep the settings of the run that queued them', () => {
  let dir: string;
  let cache: LocalJobCache;
  let main: TestDatabase;
  let other: TestDatabase;
  const ctx = (opts: Record<string, unknown>): ReturnersRunnerContext => ({ cache, opts, now: () => new Date(), warn: () => undefined });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-settings-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    main = await createTestDatabase();
    other = await createTestDatabase({ tables: false });
  });
  afterAll(async () => {
    await cache.close();
    await main.drop();
    await other.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a --return_kwargs database that is not ready at run time gets its returns at the later flush, not the default database', async () => {
    const kwargs = JSON.stringify({ db: other.db, user: other.user, pass: other.pass });
    const config = { opts: main.opts() } as unknown as BrineConfig;
    const warnings: string[] = [];
    const forwarding = await startForwarding({ return: 'mysql', returnKwargs: kwargs }, config, cache, (l) => warnings.push(l));
    const jid = testJid();
    await cache.saveLoad({ load: jobLoad(jid), minions: ['k1', 'k2'], startedAt: Date.now() }, forwarding.returnerNames);
    for (const id of ['k1', 'k2']) await cache.saveReturn(hostReturn(jid, id), forwarding.returnerNames);
    forwarding.notify();
    const started = Date.now();
    await forwarding.finish();
    // a missing table is permanent: no retrying for the whole 10 s
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(warnings[0]).toContain(`/${other.db}: Table '${other.db}.jids' doesn't exist`);
    expect((await pending.run(['mysql'], {}, ctx(main.opts()))).data).toMatchObject({ mysql: { count: 3 } });

    await init.run(['mysql'], {}, ctx(other.opts()));
    const done = await flush.run([], {}, ctx(main.opts()));
    expect(done).toEqual({ data: { mysql: { delivered: 3, pending: 0 } }, exitCode: ExitCode.OK });
    expect(await other.rows('SELECT id FROM salt_returns WHERE jid = ? ORDER BY id', [jid])).toEqual([{ id: 'k1' }, { id: 'k2' }]);
    expect(await other.rows('SELECT jid FROM jids WHERE jid = ?', [jid])).toHaveLength(1);
    expect(await main.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([]);
  });

  it('a run with default settings also delivers what an earlier run queued with --return_kwargs, each to its own database', async () => {
    const earlier = testJid();
    const settings = JSON.stringify({ return_kwargs: { db: other.db, user: other.user, pass: other.pass } });
    await cache.saveReturn(hostReturn(earlier, 'o1'), [{ queue: 'mysql', settings }]);
    const run = await startForwarding({ return: 'mysql' }, { opts: main.opts() }, cache, () => undefined);
    const jid = testJid();
    await cache.saveReturn(hostReturn(jid, 'd1'), run.returnerNames);
    run.notify();
    await run.finish();
    expect(await cache.listPending()).toEqual([]);
    expect(await other.rows('SELECT id FROM salt_returns WHERE jid = ?', [earlier])).toEqual([{ id: 'o1' }]);
    expect(await main.rows('SELECT id FROM salt_returns WHERE jid = ?', [earlier])).toEqual([]);
    expect(await main.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([{ id: 'd1' }]);
  });

  it('opens a cache made by an older brine (schema 1) and delivers what it had queued', async () => {
    const file = join(dir, 'old.sqlite');
    const raw = openSqliteFile(file, { timeoutMs: 1000 });
    raw.exec(V1);
    raw.pragma('user_version = 1');
    const jid = testJid();
    raw.prepare('INSERT INTO jobs (jid, fun, arg, tgt, tgt_type, user, minions, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(jid, 'test.ping', '[]', '*', 'glob', 'root', '["v1"]', Date.now());
    raw.prepare("INSERT INTO returns (jid, id, fun, fun_args, ret, retcode, success, stamp) VALUES (?, 'v1', 'test.ping', '[]', 'true', 0, 1, '')").run(jid);
    for (const id of ['', 'v1']) raw.prepare("INSERT INTO pending (returner, jid, id) VALUES ('mysql', ?, ?)").run(jid, id);
    raw.close();

    const upgraded = openLocalCache(file);
    try {
      const res = await flush.run(['mysql'], {}, { cache: upgraded, opts: main.opts(), now: () => new Date(), warn: () => undefined });
      expect(res).toEqual({ data: { mysql: { delivered: 2, pending: 0 } }, exitCode: ExitCode.OK });
      expect(await main.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([{ id: 'v1' }]);
    } finally {
      await upgraded.close();
    }
  });
});
