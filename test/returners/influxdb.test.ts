import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/influxdb.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import type { ReturnerError } from '../../src/returners/failure.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { startHangServer } from '../helpers/hang-server.js';
import { MAX_BODY_BYTES, startInfluxd, type InfluxServer } from '../helpers/influxdb.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

let server: InfluxServer;
const ready = startInfluxd().then((s) => (server = s));
beforeAll(async () => {
  await ready;
});
afterAll(async () => {
  await server?.stop();
});

const opts = (db: string, port = server.port): Record<string, unknown> => ({ 'influxdb.host': '127.0.0.1', 'influxdb.port': port, 'influxdb.db': db });
async function database(): Promise<string> {
  await ready;
  const db = `brine_${randomBytes(4).toString('hex')}`;
  await createReturner({ opts: opts(db) }).init();
  return db;
}

returnerContractSuite('influxdb', async () => {
  const db = await database();
  return {
    returner: createReturner({ opts: opts(db) }),
    countReturns: async (jid, id) => (await server.points(db, `SELECT count(full_ret) FROM returns WHERE jid = '${jid}' AND id = '${id}'`))[0]?.['count'] as number,
  };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'prep_jid']);

describe('influxdb returner', () => {
  it("writes salt's points: returns tagged fun/id/jid at the return's own time, jids at the jid's time", async () => {
    const db = await database();
    const r = createReturner({ opts: opts(db) });
    const jid = '20261129043300123456';
    await r.saveLoad?.(jid, jobLoad(jid, 'cmd.run', ['uptime']));
    await r.returner([{ ...hostReturn(jid, 'web 1,a=b', 'up "3" days\\ é 😀', 'cmd.run'), fun_args: ['uptime'] }]);
    const [point] = await server.points(db, 'SELECT * FROM returns');
    expect(point).toEqual({
      time: Date.UTC(2026, 10, 29, 4, 33, 1) * 1000 + 123456,
      fun: 'cmd.run',
      id: 'web 1,a=b',
      jid,
      return: '"up \\"3\\" days\\\\ é 😀"',
      full_ret: `{"fun_args": ["uptime"], "jid": "${jid}", "retcode": 0, "success": true, "fun": "cmd.run", "id": "web 1,a=b", "_stamp": "2026-11-29T04:33:01.123456"}`,
    });
    expect(await server.points(db, 'SELECT * FROM jids')).toEqual([
      { time: Date.UTC(2026, 10, 29, 4, 33, 0) * 1000 + 123456, jid, load: `{"jid": "${jid}", "tgt_type": "glob", "tgt": "*", "user": "root", "fun": "cmd.run", "arg": ["uptime"]}` },
    ]);
    expect((await r.getJid(jid))['web 1,a=b']?.return).toBe('up "3" days\\ é 😀');
    expect(await r.getFun('cmd.run')).toEqual({ 'web 1,a=b': jid });
  });

  it('a missing database is the returner\'s error naming returners.init; init creates it', async () => {
    const db = `brine_${randomBytes(4).toString('hex')}`;
    const r = createReturner({ opts: opts(db) });
    const err = (await r.returner([hostReturn(testJid(), 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect([err.scope, err.message]).toEqual(['returner', `influxdb 127.0.0.1:${server.port}/${db}: HTTP 404: database not found: "${db}" (create it with: salt-run returners.init influxdb)`]);
    expect(await r.init()).toBe(`database ${db} ready on 127.0.0.1:${server.port}`);
    await r.returner([hostReturn(testJid(), 'a')]);
  });

  it('refuses a host id with a line break itself (it would split the point), the server an empty one or one over its max-body-size', async () => {
    const db = await database();
    const r = createReturner({ opts: opts(db) });
    const jid = testJid();
    const local = (await r.returner([hostReturn(jid, 'a\nb')]).catch((e: unknown) => e)) as ReturnerError;
    expect([local.scope, local.message]).toEqual(['item', 'influxdb: host id "a\\nb" has a line break, which a tag value cannot hold']);
    const remote = (await r.returner([hostReturn(jid, '')]).catch((e: unknown) => e)) as ReturnerError;
    expect(remote.scope).toBe('item');
    expect(remote.message).toMatch(/HTTP 400: unable to parse 'returns,fun=test\.ping,id=,jid=.*': missing tag value$/);
    const huge = (await r.returner([hostReturn(jid, 'huge', 'x'.repeat(MAX_BODY_BYTES))]).catch((e: unknown) => e)) as ReturnerError;
    expect([huge.scope, huge.message]).toEqual(['item', `influxdb 127.0.0.1:${server.port}/${db}: HTTP 413: Request Entity Too Large`]);
  });

  it('a server that is down or never answers fails within the deadline, in one line naming host:port', async () => {
    const proxy = await startTcpProxy(server.port);
    await proxy.stop();
    const down = (await createReturner({ opts: opts('salt', proxy.port) }).returner([hostReturn(testJid(), 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect([down.scope, down.message]).toEqual(['transient', `influxdb 127.0.0.1:${proxy.port}/salt: ECONNREFUSED`]);
    const hang = await startHangServer();
    try {
      const started = Date.now();
      const hung = (await createReturner({ opts: opts('salt', hang.port) }).getMinions?.().catch((e: unknown) => e)) as ReturnerError;
      expect([hung.scope, hung.message]).toEqual(['transient', `influxdb 127.0.0.1:${hang.port}/salt: no answer within 5s`]);
      expect(Date.now() - started).toBeLessThan(7_000);
    } finally {
      await hang.close();
    }
  });

  it('reads alternative.influxdb.* and --return_kwargs db; is registered as a job cache', async () => {
    const db = await database();
    const jid = testJid();
    const alt = createReturner({ opts: { ...opts('nope'), 'alternative.influxdb.db': db }, returnConfig: 'alternative' });
    await alt.returner([hostReturn(jid, 'alt')]);
    const kw = createReturner({ opts: opts('nope'), returnKwargs: { db } });
    await kw.returner([hostReturn(jid, 'kw')]);
    expect(Object.keys(await kw.getJid(jid)).sort()).toEqual(['alt', 'kw']);
    const loaded = await loadReturner('influxdb', { opts: opts(db) });
    expect(() => requireCapability(loaded, 'jobCache', 'master_job_cache')).not.toThrow();
  });
});

returnerDeliveryContract('influxdb', async () => {
  const db = await database();
  const proxy = await startTcpProxy(server.port);
  return {
    returner: createReturner({ opts: opts(db, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: async (jid) => (await server.points(db, `SELECT id, full_ret FROM returns WHERE jid = '${jid}'`)).map((p) => String(p['id'])),
    // a point over the server's max-body-size (HTTP 413)
    poison: (jid) => hostReturn(jid, 'huge', 'x'.repeat(MAX_BODY_BYTES)),
    cleanup: () => proxy.close(),
  };
});
