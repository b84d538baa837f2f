import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner, type MysqlReturner } from '../../src/returners/mysql.js';
import { loadReturner, listReturners, requireCapability } from '../../src/returners/registry.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, MYSQL_SOCKET, type TestDatabase } from '../helpers/mysql.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';

returnerContractSuite('mysql', async () => {
  const db = await createTestDatabase({ charset: 'utf8' });
  const count = async (sql: string, params: unknown[]): Promise<number> =>
    Number((await db.rows<{ n: number }>(sql, params))[0]?.n);
  return {
    returner: createReturner({ opts: db.opts() }),
    countReturns: (jid, id) => count('SELECT COUNT(*) AS n FROM salt_returns WHERE jid = ? AND id = ?', [jid, id]),
    countEvents: (tag) => count('SELECT COUNT(*) AS n FROM salt_events WHERE tag = ?', [tag]),
    cleanup: () => db.drop(),
  };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'event_return', 'clean_old_jobs', 'prep_jid']);

describe('mysql returner', () => {
  let db: TestDatabase;
  const open: MysqlReturner[] = [];
  const make = (ctx: Parameters<typeof createReturner>[0]): MysqlReturner => {
    const r = createReturner(ctx);
    open.push(r);
    return r;
  };
  beforeAll(async () => {
    db = await createTestDatabase({ charset: 'utf8' });
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await db.drop();
  });

  it('writes the seed rows: salt_returns and jids in salt shape', async () => {
    const r = make({ opts: db.opts() });
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid));
    await r.returner([hostReturn(jid, '192.168.200.147')]);
    const [row] = await db.rows<Record<string, unknown>>('SELECT * FROM salt_returns WHERE jid = ?', [jid]);
    expect(row).toMatchObject({ fun: 'test.ping', jid, return: 'true', id: '192.168.200.147', success: '1' });
    expect(row?.['full_ret']).toBe(
      `{"fun_args": [], "jid": "${jid}", "return": true, "retcode": 0, "success": true, "fun": "test.ping", "id": "192.168.200.147", "_stamp": "2026-11-29T04:33:01.123456"}`,
    );
    expect(row?.['alter_time']).toBeInstanceOf(Date);
    const [load] = await db.rows<{ load: string }>('SELECT `load` FROM jids WHERE jid = ?', [jid]);
    expect(load?.load).toBe(`{"jid": "${jid}", "tgt_type": "glob", "tgt": "*", "user": "root", "fun": "test.ping", "arg": []}`);
  });

  it('stores a failed host with success 0', async () => {
    const r = make({ opts: db.opts() });
    const jid = testJid();
    await r.returner([{ ...hostReturn(jid, 'refused', { _error: 'x', retcode: 255 }), retcode: 255, success: false }]);
    const [row] = await db.rows<{ success: string }>('SELECT success FROM salt_returns WHERE jid = ?', [jid]);
    expect(row?.success).toBe('0');
  });

  it('stores 4-byte characters in 3-byte utf8 columns as JSON escapes, and raw in utf8mb4', async () => {
    const jid = testJid();
    await make({ opts: db.opts() }).returner([hostReturn(jid, 'e', 'smile 😀 é')]);
    const [row] = await db.rows<{ return: string; full_ret: string }>('SELECT `return`, full_ret FROM salt_returns WHERE jid = ?', [jid]);
    expect(row?.return).toBe('"smile \\ud83d\\ude00 é"');
    expect((JSON.parse(row?.full_ret ?? '{}') as { return: string }).return).toBe('smile 😀 é');

    const db4 = await createTestDatabase({ charset: 'utf8mb4' });
    try {
      const r4 = make({ opts: db4.opts() });
      await r4.returner([hostReturn(jid, 'e', 'smile 😀 é')]);
      const [row4] = await db4.rows<{ return: string }>('SELECT `return` FROM salt_returns WHERE jid = ?', [jid]);
      expect(row4?.return).toBe('"smile 😀 é"');
      await r4.close();
    } finally {
      await db4.drop();
    }
  });

  it('reads alternative.mysql.* with --return_config alternative', async () => {
    const opts = { ...db.opts(), 'mysql.db': 'not_there', 'alternative.mysql.db': db.db };
    const r = make({ opts, returnConfig: 'alternative' });
    expect(r.options.db).toBe(db.db);
    const jid = testJid();
    await r.returner([hostReturn(jid, 'alt')]);
    expect(await db.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([{ id: 'alt' }]);
  });

  it('lets --return_kwargs override the database', async () => {
    const r = make({ opts: { ...db.opts(), 'mysql.db': 'not_there' }, returnKwargs: { db: db.db } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'kw')]);
    expect(await db.rows('SELECT id FROM salt_returns WHERE jid = ?', [jid])).toEqual([{ id: 'kw' }]);
  });

  it('connects through mysql.unix_socket', async () => {
    const r = make({ opts: { ...db.opts(), 'mysql.unix_socket': MYSQL_SOCKET } });
    expect(await r.getMinions()).toBeInstanceOf(Array);
  });

  it('reports bad credentials and a closed port in one line naming host:port', async () => {
    const bad = make({ opts: { ...db.opts(), 'mysql.pass': 'wrong' } });
    await expect(bad.getMinions()).rejects.toThrow(new RegExp(`^mysql ${db.user}@127\\.0\\.0\\.1:3306/${db.db}: Access denied`));
    const proxy = await startTcpProxy();
    const port = proxy.port;
    await proxy.close();
    const closed = make({ opts: db.opts({}, port) });
    const err = (await closed.getMinions().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('\n');
  });

  it('names returners.init when the tables are missing, and init creates them', async () => {
    const empty = await createTestDatabase({ tables: false });
    try {
      const r = make({ opts: empty.opts() });
      const jid = testJid();
      await expect(r.returner([hostReturn(jid, 'n')])).rejects.toThrow(/doesn't exist \(create the tables with: salt-run returners.init mysql\)/);
      expect(await r.init()).toBe(`tables salt_returns, jids, salt_events ready in db ${empty.db}`);
      await r.returner([hostReturn(jid, 'n')]);
      expect(Object.keys(await r.getJid(jid))).toEqual(['n']);
      const tables = await empty.rows<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY t', [empty.db]);
      expect(tables.map((t) => t.t)).toEqual(['jids', 'salt_events', 'salt_returns']);
      await r.close();
    } finally {
      await empty.drop();
    }
  });

  it('delivers a 500-return batch over at most 2 connections', async () => {
    const proxy = await startTcpProxy();
    try {
      const r = make({ opts: db.opts({}, proxy.port) });
      const jid = testJid();
      await r.saveLoad(jid, jobLoad(jid));
      const rets = Array.from({ length: 500 }, (_, i) => hostReturn(jid, `host${i}`, `out ${i}`));
      await r.returner(rets);
      await r.returner(rets.slice(0, 250));
      expect(r.connectionsOpened()).toBeLessThanOrEqual(2);
      expect(proxy.accepted()).toBeLessThanOrEqual(2);
      const [n] = await db.rows<{ n: number }>('SELECT COUNT(*) AS n FROM salt_returns WHERE jid = ?', [jid]);
      expect(Number(n?.n)).toBe(500);
    } finally {
      await proxy.close();
    }
  });

  it('survives the server going away and coming back: every row exactly once', async () => {
    const proxy = await startTcpProxy();
    try {
      const r = make({ opts: db.opts({}, proxy.port) });
      const jid = testJid();
      const first = [hostReturn(jid, 'a'), hostReturn(jid, 'b')];
      const second = [hostReturn(jid, 'c'), hostReturn(jid, 'd')];
      await r.returner(first);
      await proxy.stop();
      await expect(r.returner(second)).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
      await proxy.start();
      await r.returner([...first, ...second]);
      // a restart between calls leaves a dead pooled connection: the next call must reconnect by itself
      await proxy.stop();
      await proxy.start();
      await r.returner(second);
      const rows = await db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = ? ORDER BY id', [jid]);
      expect(rows.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await proxy.close();
    }
  });

  it('a connection cut in the middle of a batch insert stores nothing half-way; redelivery stores all once', async () => {
    const proxy = await startTcpProxy();
    try {
      const r = make({ opts: db.opts({}, proxy.port) });
      const jid = testJid();
      await r.saveLoad(jid, jobLoad(jid));
      const big = 'x'.repeat(2000);
      const rets = Array.from({ length: 2000 }, (_, i) => hostReturn(jid, `m${i}`, `${big} ${i}`));
      const cut = proxy.afterClientBytes(proxy.clientBytes() + 1_000_000).then(() => proxy.stop());
      await expect(r.returner(rets)).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
      await cut;
      await proxy.start();
      await r.returner(rets);
      const [n] = await db.rows<{ n: number; d: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM salt_returns WHERE jid = ?', [jid]);
      expect([Number(n?.n), Number(n?.d)]).toEqual([2000, 2000]);
    } finally {
      await proxy.close();
    }
  });

  it('two processes delivering the same batch at once store it once', async () => {
    const jid = testJid();
    const batch = Array.from({ length: 50 }, (_, i) => hostReturn(jid, `h${i}`));
    const [a, b] = [make({ opts: db.opts() }), make({ opts: db.opts() })];
    await Promise.all([a.returner(batch), b.returner(batch), a.returner(batch.slice(10)), b.returner(batch.slice(0, 20))]);
    const [n] = await db.rows<{ n: number; d: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM salt_returns WHERE jid = ?', [jid]);
    expect([Number(n?.n), Number(n?.d)]).toEqual([50, 50]);
  });

  it('is registered, loads lazily and can be the master job cache', async () => {
    expect(listReturners()).toEqual(['carbon', 'etcd', 'influxdb', 'local', 'local_cache', 'mattermost', 'memcache', 'multi_returner', 'mysql', 'pgjsonb', 'postgres', 'pushover', 'rawfile_json', 'redis', 'slack', 'slack_webhook', 'smtp', 'splunk', 'sqlite3', 'syslog', 'telegram']);
    const r = await loadReturner('mysql', { opts: db.opts() });
    open.push(r as MysqlReturner);
    expect(() => requireCapability(r, 'jobCache', 'master_job_cache')).not.toThrow();
    await expect(loadReturner('nosuch', { opts: {} })).rejects.toThrow("unknown returner 'nosuch'; valid returners: carbon, etcd, influxdb, local, local_cache, mattermost, memcache, multi_returner, mysql, pgjsonb, postgres, pushover, rawfile_json, redis, slack, slack_webhook, smtp, splunk, sqlite3, syslog, telegram");
  });
});

returnerDeliveryContract('mysql', async () => {
  const db = await createTestDatabase({ charset: 'utf8' });
  const proxy = await startTcpProxy();
  return {
    returner: createReturner({ opts: db.opts({}, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: async (jid) => (await db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = ?', [jid])).map((r) => r.id),
    // a 3-byte utf8 column cannot hold a 4-byte host id
    poison: (jid) => hostReturn(jid, 'web😀1'),
    cleanup: async () => {
      await proxy.close();
      await db.drop();
    },
  };
});
