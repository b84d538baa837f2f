import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import type { DeliveryTarget } from '../../src/jobcache/types.js';
import { deliverBatch, deliveryTargets } from '../../src/delivery/deliveries.js';
import { flushPending, startForwarder, type ForwarderOptions } from '../../src/delivery/forward.js';
import { createReturner, type MysqlReturner } from '../../src/returners/mysql.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };

describe('durable forwarding to mysql', () => {
  let dir: string;
  let cache: LocalJobCache;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let mysql: MysqlReturner;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-fwd-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    db = await createTestDatabase({ charset: 'utf8' });
    proxy = await startTcpProxy();
    mysql = createReturner({ opts: db.opts({}, proxy.port) });
  });
  afterAll(async () => {
    await mysql.close();
    await proxy.close();
    await cache.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (warnings: string[], extra: Partial<ForwarderOptions> = {}): ForwarderOptions => ({
    queue: cache,
    returners: new Map([['mysql', mysql]]),
    warn: (line) => warnings.push(line),
    retry: RETRY,
    ...extra,
  });
  const startJob = async (jid: string, hosts: string[], forwardTo: readonly DeliveryTarget[]): Promise<void> => {
    await cache.saveLoad({ load: jobLoad(jid), minions: hosts, startedAt: Date.now() }, forwardTo);
  };
  const countRows = async (jid: string): Promise<{ n: number; d: number }> => {
    const [row] = await db.rows<{ n: number; d: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM salt_returns WHERE jid = ?', [jid]);
    return { n: Number(row?.n), d: Number(row?.d) };
  };

  it('forwards returns, loads and job events while the run goes on', async () => {
    const warnings: string[] = [];
    const forwardTo = deliveryTargets(['mysql'], ['mysql']);
    expect(forwardTo).toEqual(['mysql', 'event:mysql']);
    const fwd = startForwarder(options(warnings, { eventReturners: ['mysql'] }));
    const jids = [testJid(), testJid(new Date(Date.now() + 1))];
    const hosts = Array.from({ length: 20 }, (_, i) => `web${i}`);
    for (const jid of jids) {
      await startJob(jid, hosts, forwardTo);
      fwd.notify();
      for (const id of hosts) {
        await cache.saveReturn(hostReturn(jid, id), forwardTo);
        fwd.notify();
      }
    }
    const report = await fwd.finish(10_000);
    expect(report.pending).toBe(0);
    expect(report.queues['mysql']?.delivered).toBe(42);
    expect(warnings).toEqual([]);
    for (const jid of jids) {
      expect(await countRows(jid)).toEqual({ n: 20, d: 20 });
      expect(await mysql.getLoad(jid)).toMatchObject({ jid, fun: 'test.ping' });
      const events = await db.rows<{ tag: string; data: string }>('SELECT tag, data FROM salt_events WHERE tag LIKE ?', [`salt/job/${jid}/%`]);
      expect(events).toHaveLength(21);
      const created = events.find((e) => e.tag === `salt/job/${jid}/new`);
      expect(JSON.parse(created?.data ?? '{}')).toMatchObject({ jid, fun: 'test.ping', minions: hosts });
      const ret = events.find((e) => e.tag === `salt/job/${jid}/ret/web3`);
      expect(JSON.parse(ret?.data ?? '{}')).toMatchObject({ id: 'web3', jid, return: true, success: true });
    }
    expect(await cache.listPending()).toEqual([]);
  });

  it('keeps what the database missed pending, ends on time, and delivers it later exactly once', async () => {
    const warnings: string[] = [];
    const fwd = startForwarder(options(warnings));
    const jid = testJid();
    const hosts = Array.from({ length: 30 }, (_, i) => `db${i}`);
    await startJob(jid, hosts, ['mysql']);
    for (const id of hosts.slice(0, 10)) {
      await cache.saveReturn(hostReturn(jid, id), ['mysql']);
      fwd.notify();
    }
    await proxy.stop();
    for (const id of hosts.slice(10)) {
      await cache.saveReturn(hostReturn(jid, id), ['mysql']);
      fwd.notify();
    }
    const started = Date.now();
    const report = await fwd.finish(600);
    expect(Date.now() - started).toBeLessThan(600 + 1000);
    expect(report.pending).toBeGreaterThan(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^\\[WARNING \\] Returner mysql: mysql .*127\\.0\\.0\\.1:${proxy.port}.*; ${report.pending} returns pending \\(salt-run returners\\.flush mysql\\)$`),
    );
    expect((await cache.listPending('mysql'))[0]?.count).toBe(report.pending);

    await proxy.start();
    const later: string[] = [];
    const flushed = await flushPending({ ...options(later), timeoutMs: 10_000 });
    expect(flushed.pending).toBe(0);
    expect(later).toEqual([]);
    expect(await countRows(jid)).toEqual({ n: 30, d: 30 });
    expect(await cache.listPending()).toEqual([]);
  });

  it('a run that died between the insert and the bookkeeping causes no duplicates', async () => {
    const jid = testJid();
    const hosts = ['c1', 'c2', 'c3'];
    await startJob(jid, hosts, ['mysql']);
    for (const id of hosts) await cache.saveReturn(hostReturn(jid, id), ['mysql']);
    // the "dead run": a pid that has exited claims, inserts, and never marks delivered
    const deadPid = spawnSync('true').pid ?? 0;
    const crashed = openLocalCache(cache.file, { pid: deadPid });
    const items = await crashed.claim('mysql', 100);
    expect(items.map((i) => i.id)).toEqual([null, 'c1', 'c2', 'c3']);
    expect((await deliverBatch('mysql', mysql, items)).delivered).toHaveLength(4);
    await crashed.close();
    expect(await countRows(jid)).toEqual({ n: 3, d: 3 });

    const report = await flushPending({ ...options([]), timeoutMs: 10_000 });
    expect(report.queues['mysql']).toMatchObject({ delivered: 4, pending: 0 });
    expect(await countRows(jid)).toEqual({ n: 3, d: 3 });
  });

  it('never waits past the deadline when the database is unreachable', async () => {
    const closed = await startTcpProxy();
    const port = closed.port;
    await closed.close();
    const dead = createReturner({ opts: db.opts({}, port) });
    const warnings: string[] = [];
    const jid = testJid();
    await startJob(jid, ['u1'], ['mysql']);
    await cache.saveReturn(hostReturn(jid, 'u1'), ['mysql']);
    const started = Date.now();
    const report = await flushPending({ ...options(warnings, { returners: new Map([['mysql', dead]]) }), timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(1300);
    expect(report.queues['mysql']?.pending).toBe(2);
    expect(warnings[0]).toContain(`127.0.0.1:${port}`);
    await dead.close();
    await flushPending({ ...options([]), timeoutMs: 10_000 });
    expect(await cache.listPending()).toEqual([]);
  });
});
