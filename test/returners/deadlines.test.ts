import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { createReturner } from '../../src/returners/mysql.js';
import { startForwarding } from '../../src/delivery/forwarding.js';
import { flush, type ReturnersRunnerContext } from '../../src/runners/returners.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { startHangServer } from '../helpers/hang-server.js';
import { createTestDatabase, MYSQL_SOCKET, type TestDatabase } from '../helpers/mysql.js';

describe('mysql that does not answer', () => {
  let dir: string;
  let cache: LocalJobCache;
  let db: TestDatabase;
  const ctx = (opts: Record<string, unknown>): ReturnersRunnerContext => ({ cache, opts, now: () => new Date(), warn: () => undefined });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-deadline-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    db = await createTestDatabase({ charset: 'utf8' });
  });
  afterAll(async () => {
    await cache.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a flush timeout a Node timer cannot hold, instead of giving up after 1 ms', async () => {
    await expect(flush.run(['mysql'], { timeout: 3_000_000 }, ctx(db.opts()))).rejects.toThrow(
      "returners.flush: timeout must be a number of seconds up to 2073600, got '3000000'",
    );
  });

  it('a LOCK TABLES held by another session costs a call its lock wait (4 s), not the lock holder\'s whole time', async () => {
    const holder = await mysql.createConnection({ socketPath: MYSQL_SOCKET, user: 'root', database: db.db });
    const jid = testJid();
    await cache.saveLoad({ load: jobLoad(jid), minions: ['l1'], startedAt: Date.now() }, ['mysql']);
    await cache.saveReturn(hostReturn(jid, 'l1'), ['mysql']);
    try {
      await holder.query('LOCK TABLES salt_returns WRITE');
      const direct = createReturner({ opts: db.opts() });
      const t0 = Date.now();
      await expect(direct.returner([hostReturn(jid, 'l1')])).rejects.toThrow(/Lock wait timeout exceeded/);
      expect(Date.now() - t0).toBeLessThan(6_000);
      await direct.close();

      const started = Date.now();
      const res = await flush.run(['mysql'], { timeout: 5 }, ctx(db.opts()));
      expect(Date.now() - started).toBeLessThan(7_000);
      expect(res.exitCode).toBe(ExitCode.TEMP_FAIL);
      expect(res.data).toMatchObject({ mysql: { pending: 2, last_error: expect.stringMatching(/Lock wait timeout exceeded/) } });
    } finally {
      await holder.query('UNLOCK TABLES');
      await holder.end();
    }
    expect((await flush.run(['mysql'], {}, ctx(db.opts()))).exitCode).toBe(ExitCode.OK);
    expect(await db.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([{ id: 'l1' }]);
  });

  it("a server that accepts TCP and never answers: the run's forwarding gives up within its documented 10 s, the returns stay queued", async () => {
    const hang = await startHangServer();
    try {
      const opts = db.opts({}, hang.port);
      const warnings: string[] = [];
      const forwarding = await startForwarding({ return: 'mysql' }, { opts }, cache, (l) => warnings.push(l));
      const jid = testJid();
      await cache.saveLoad({ load: jobLoad(jid), minions: ['h1'], startedAt: Date.now() }, forwarding.returnerNames);
      await cache.saveReturn(hostReturn(jid, 'h1'), forwarding.returnerNames);
      forwarding.notify();
      const started = Date.now();
      await forwarding.finish();
      expect(Date.now() - started).toBeLessThan(11_500);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^\\[WARNING \\] Returner mysql: .*127\\.0\\.0\\.1:${hang.port}.*(ETIMEDOUT|no answer within).*; 2 returns pending`));

      const t0 = Date.now();
      const res = await flush.run(['mysql'], { timeout: 2 }, ctx(opts));
      expect(Date.now() - t0).toBeLessThan(3_500);
      expect(res.data).toMatchObject({ mysql: { delivered: 0, pending: 2 } });
    } finally {
      await hang.close();
    }
    expect((await flush.run(['mysql'], {}, ctx(db.opts()))).exitCode).toBe(ExitCode.OK);
  }, 30_000);
});
