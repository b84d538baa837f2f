import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { flushPending, startForwarder, type ForwarderOptions } from '../../src/delivery/forward.js';
import { createReturner, type MysqlReturner } from '../../src/returners/mysql.js';
import { flush, pending, type ReturnersRunnerContext } from '../../src/runners/returners.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { closedPort } from '../helpers/hang-server.js';

const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };

describe('returns mysql refuses, and returners that cannot work', () => {
  let dir: string;
  let cache: LocalJobCache;
  let db: TestDatabase;
  const open: MysqlReturner[] = [];
  const mysqlAt = (opts: Record<string, unknown>): MysqlReturner => {
    const r = createReturner({ opts });
    open.push(r);
    return r;
  };
  const options = (returner: MysqlReturner, warnings: string[] = []): ForwarderOptions => ({
    queue: cache,
    returners: new Map([['mysql', returner]]),
    warn: (line) => warnings.push(line),
    retry: RETRY,
  });
  const ctx = (warnings: string[] = []): ReturnersRunnerContext => ({ cache, opts: db.opts(), now: () => new Date(), warn: (l) => warnings.push(l) });
  const queueJob = async (jid: string, rets: ReturnType<typeof hostReturn>[]): Promise<void> => {
    await cache.saveLoad({ load: jobLoad(jid), minions: rets.map((r) => r.id), startedAt: Date.now() }, ['mysql']);
    for (const ret of rets) await cache.saveReturn(ret, ['mysql']);
  };
  const storedIds = async (jid: string): Promise<string[]> =>
    (await db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = ? ORDER BY id', [jid])).map((r) => r.id);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-poison-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    db = await createTestDatabase({ charset: 'utf8' });
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await cache.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a 4-byte host id and a 20 MB return aside with their reasons and delivers every other return', async () => {
    const jid = testJid();
    const good = Array.from({ length: 40 }, (_, i) => `good${String(i).padStart(2, '0')}`);
    const rets = good.map((id) => hostReturn(jid, id));
    rets.splice(7, 0, hostReturn(jid, 'web😀1'));
    rets.splice(30, 0, hostReturn(jid, 'huge', 'x'.repeat(20 * 1024 * 1024)));
    await queueJob(jid, rets);
    const mysql = mysqlAt(db.opts());
    const warnings: string[] = [];
    const started = Date.now();
    const report = await flushPending({ ...options(mysql, warnings), timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report.queues['mysql']).toMatchObject({ delivered: 41, pending: 2, setAside: 2 });
    expect(await storedIds(jid)).toEqual(good);
    expect(warnings).toEqual([
      '[WARNING ] Returner mysql: 2 returns set aside, refused by the returner (salt-run returners.pending mysql; retry: salt-run returners.flush mysql retry_failed=True)',
    ]);

    const listed = await pending.run(['mysql'], {}, ctx());
    expect(listed.exitCode).toBe(ExitCode.TEMP_FAIL);
    const entry = (listed.data as Record<string, { count: number; set_aside: Array<{ jid: string; id: string; error: string }> }>)['mysql'];
    expect(entry?.count).toBe(2);
    // listed by the time they were set aside, then by jid and host id
    expect(entry?.set_aside.map((s) => [s.jid, s.id])).toEqual([[jid, 'huge'], [jid, 'web😀1']]);
    expect(entry?.set_aside[1]?.error).toMatch(/Incorrect string value: .* for column .*`id` at row 1$/);
    expect(entry?.set_aside[0]?.error).toMatch(/return of huge in \d+: a value of \d+ bytes is longer than a mediumtext column holds/);

    // later returns to the same returner are not held up behind them
    const next = testJid();
    await queueJob(next, [hostReturn(next, 'later')]);
    const again = await flush.run(['mysql'], {}, ctx());
    expect(again.data).toMatchObject({ mysql: { delivered: 2, pending: 2, set_aside: 2 } });
    expect(await storedIds(next)).toEqual(['later']);

    // retried on demand: once the table can hold 4-byte characters, that one goes; the 20 MB one stays aside
    await db.root.query('ALTER TABLE salt_returns CONVERT TO CHARACTER SET utf8mb4');
    const retried = await flush.run(['mysql'], { retry_failed: true }, ctx());
    expect(retried.data).toMatchObject({ mysql: { delivered: 1, pending: 1, set_aside: 1 } });
    expect(await storedIds(jid)).toEqual([...good, 'web😀1'].sort());
    await cache.markDelivered('mysql', (await cache.listSetAside('mysql')).map((s) => ({ ...s, attempts: 0, settings: '' })));
  });

  it('fails fast on a wrong password, an unknown database or a missing table: all stays pending with the reason, none set aside', async () => {
    const bare = await createTestDatabase({ tables: false });
    try {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [db.opts({ 'mysql.pass': 'wrong' }), /Access denied for user/],
        [db.opts({ 'mysql.db': `${db.db}_missing` }), /Access denied for user .* to database|Unknown database/],
        [bare.opts(), /Table '.*\.(jids|salt_returns)' doesn't exist \(create the tables with: salt-run returners.init mysql\)/],
      ];
      for (const [opts, reason] of cases) {
        const jid = testJid();
        await queueJob(jid, [hostReturn(jid, 'a'), hostReturn(jid, 'b')]);
        const warnings: string[] = [];
        const started = Date.now();
        const report = await flushPending({ ...options(mysqlAt(opts), warnings), timeoutMs: 10_000 });
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(report.queues['mysql']).toMatchObject({ delivered: 0, setAside: 0 });
        expect(report.queues['mysql']?.pending).toBeGreaterThanOrEqual(2);
        expect(report.queues['mysql']?.lastError).toMatch(reason);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(reason);
        expect((await cache.listPending('mysql'))[0]).not.toHaveProperty('setAside');
        await flushPending({ ...options(mysqlAt(db.opts())), timeoutMs: 10_000 });
        expect(await storedIds(jid)).toEqual(['a', 'b']);
      }
    } finally {
      await bare.drop();
    }
  });

  it("warns with this run's error, never the error an earlier run left behind", async () => {
    const jid = testJid();
    await queueJob(jid, [hostReturn(jid, 's1')]);
    const port = await closedPort();
    const failed: string[] = [];
    await flushPending({ ...options(mysqlAt(db.opts({}, port)), failed), timeoutMs: 300 });
    expect(failed[0]).toContain(`127.0.0.1:${port}`);
    expect((await cache.listPending('mysql'))[0]?.lastError).toContain(`127.0.0.1:${port}`);

    const warnings: string[] = [];
    const report = await startForwarder(options(mysqlAt(db.opts()), warnings)).finish(0);
    expect(report.pending).toBeGreaterThan(0);
    expect(warnings).toEqual([`[WARNING ] Returner mysql: not delivered before the deadline; ${report.pending} returns pending (salt-run returners.flush mysql)`]);
    // the stopped forwarder's batch in flight still completes
    await vi.waitFor(async () => expect(await cache.listPending()).toEqual([]), { timeout: 5_000 });
  });
});
