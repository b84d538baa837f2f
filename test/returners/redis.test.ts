import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner, type RedisReturner } from '../../src/returners/redis.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { closedPort, startHangServer } from '../helpers/hang-server.js';
import { REDIS_TEST_MAX_BULK, REDIS_TEST_PASSWORD, startRedis, type TestRedis } from '../helpers/redis.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** One private redis-server for the whole file (its own port, socket and password). */
let redis: TestRedis | undefined;
const server = async (): Promise<TestRedis> => (redis ??= await startRedis());
const reader = (r: TestRedis, db = 0): Redis => new Redis({ port: r.port, host: '127.0.0.1', password: REDIS_TEST_PASSWORD, db, lazyConnect: true });

afterAll(async () => {
  await redis?.stop();
});

returnerContractSuite('redis', async () => {
  const r = await server();
  return { returner: createReturner({ opts: r.opts({ 'redis.db': '1' }) }) };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'clean_old_jobs', 'prep_jid']);

describe('redis returner', () => {
  let r: TestRedis;
  let salt: Redis;
  const open: RedisReturner[] = [];
  const make = (opts: Record<string, unknown>, extra: Partial<Parameters<typeof createReturner>[0]> = {}, deadlines?: Parameters<typeof createReturner>[1]): RedisReturner => {
    const made = createReturner({ opts, ...extra }, deadlines);
    open.push(made);
    return made;
  };
  beforeAll(async () => {
    r = await server();
    salt = reader(r, 2);
  });
  afterAll(async () => {
    for (const x of open) await x.close();
    salt.disconnect();
  });

  it("writes salt's key layout, read back as salt's redis_return reads it, with keep_jobs_seconds as TTL", async () => {
    const ret = make(r.opts({ 'redis.db': '2', keep_jobs_seconds: 3600 }));
    const jid = testJid();
    await ret.saveLoad(jid, jobLoad(jid));
    await ret.returner([hostReturn(jid, 'web1', { out: 'é' }), hostReturn(jid, 'web2')]);
    expect(await salt.hget(`ret:${jid}`, 'web1')).toBe(
      `{"fun_args": [], "jid": "${jid}", "return": {"out": "é"}, "retcode": 0, "success": true, "fun": "test.ping", "id": "web1", "_stamp": "2026-11-29T04:33:01.123456"}`,
    );
    expect(Object.keys(await salt.hgetall(`ret:${jid}`)).sort()).toEqual(['web1', 'web2']);
    expect(await salt.get('web1:test.ping')).toBe(jid);
    expect(await salt.sismember('minions', 'web2')).toBe(1);
    expect(JSON.parse((await salt.get(`load:${jid}`)) ?? '{}')).toEqual({ jid, tgt_type: 'glob', tgt: '*', user: 'root', fun: 'test.ping', arg: [] });
    for (const key of [`ret:${jid}`, `load:${jid}`]) expect(await salt.ttl(key)).toBeGreaterThan(3590);
    expect(await salt.ttl('web1:test.ping')).toBe(-1);
    expect(await salt.ttl('minions')).toBe(-1);
  });

  it('keep_jobs_seconds: 0 keeps jobs forever (salt sends SETEX 0, which Redis refuses)', async () => {
    const ret = make(r.opts({ 'redis.db': '2', keep_jobs_seconds: 0 }));
    const jid = testJid();
    await ret.saveLoad(jid, jobLoad(jid));
    await ret.returner([hostReturn(jid, 'forever')]);
    expect(await salt.ttl(`ret:${jid}`)).toBe(-1);
    expect(await salt.ttl(`load:${jid}`)).toBe(-1);
    expect(Object.keys(await ret.getJid(jid))).toEqual(['forever']);
  });

  it('a late redelivery of an older job does not move <id>:<fun> back', async () => {
    const ret = make(r.opts({ 'redis.db': '2' }));
    const older = testJid(new Date(Date.now() - 60_000));
    const newer = testJid();
    await ret.returner([hostReturn(newer, 'late', 1, 'cmd.run')]);
    await ret.returner([hostReturn(older, 'late', 1, 'cmd.run')]);
    expect(await salt.get('late:cmd.run')).toBe(newer);
    expect(await ret.getFun('cmd.run')).toMatchObject({ late: newer });
  });

  it('connects through redis.unix_socket_path', async () => {
    const ret = make({ 'redis.unix_socket_path': r.socket, 'redis.password': REDIS_TEST_PASSWORD, 'redis.db': '2', 'redis.host': 'not-used.invalid' });
    const jid = testJid();
    await ret.returner([hostReturn(jid, 'via-socket')]);
    expect(await salt.hexists(`ret:${jid}`, 'via-socket')).toBe(1);
    expect(ret.connection.label).toBe(`redis unix:${r.socket}`);
  });

  it('reads alternative.redis.* with --return_config, and --return_kwargs over both', async () => {
    const alt = make({ ...r.opts({ 'redis.db': '5' }), 'alternative.redis.db': '2' }, { returnConfig: 'alternative' });
    const kw = make(r.opts({ 'redis.db': '5' }), { returnKwargs: { db: '2' } });
    const jid = testJid();
    await alt.returner([hostReturn(jid, 'alt')]);
    await kw.returner([hostReturn(jid, 'kw')]);
    expect(Object.keys(await salt.hgetall(`ret:${jid}`)).sort()).toEqual(['alt', 'kw']);
  });

  it('refuses what it cannot honour in one line: cluster mode, a db that is not a number', () => {
    expect(() => make({ 'redis.cluster_mode': true })).toThrow(ConfigError);
    expect(() => make({ 'redis.cluster_mode': true })).toThrow(/^redis\.cluster_mode: Redis Cluster is not supported/);
    expect(() => make({ 'redis.db': 'salt' })).toThrow("redis.db: expected a database number, got 'salt'");
  });

  it('a wrong password stops that returner in one line naming host:port; a closed port is retried later', async () => {
    const bad = make(r.opts({ 'redis.password': 'wrong' }));
    const err = (await bad.returner([hostReturn(testJid(), 'x')]).catch((e: unknown) => e)) as ReturnerError;
    expect(err).toBeInstanceOf(ReturnerError);
    expect(err.scope).toBe('returner');
    expect(err.message).toMatch(new RegExp(`^redis 127\\.0\\.0\\.1:${r.port}: .*WRONGPASS`));
    expect(err.message).not.toContain('\n');
    const noDb = (await make(r.opts({ 'redis.db': '99' })).getMinions().catch((e: unknown) => e)) as ReturnerError;
    expect([noDb.scope, noDb.message]).toEqual(['returner', expect.stringMatching(new RegExp(`^redis 127\\.0\\.0\\.1:${r.port}: .*DB index is out of range`))]);
    const port = await closedPort();
    const down = (await make(r.opts({}, port)).getMinions().catch((e: unknown) => e)) as ReturnerError;
    expect(down.scope).toBe('transient');
    expect(down.message).toMatch(new RegExp(`^redis 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('a server that accepts and never answers costs one deadline, and close() does not hang', async () => {
    const hang = await startHangServer();
    try {
      const ret = make(r.opts({}, hang.port), {}, { connectMs: 300, commandMs: 300 });
      const started = Date.now();
      const err = (await ret.returner([hostReturn(testJid(), 'h')]).catch((e: unknown) => e)) as ReturnerError;
      expect(err.scope).toBe('transient');
      expect(err.message).toMatch(new RegExp(`^redis 127\\.0\\.0\\.1:${hang.port}: no answer within 0\\.6s`));
      expect(Date.now() - started).toBeLessThan(1_500);
      await ret.close();
    } finally {
      await hang.close();
    }
  });

  it("refuses a return over the server's proto-max-bulk-len as that item's fault, before sending anything", async () => {
    const ret = make(r.opts({ 'redis.db': '2' }));
    const jid = testJid();
    const err = (await ret.returner([hostReturn(jid, 'ok'), hostReturn(jid, 'huge', 'x'.repeat(REDIS_TEST_MAX_BULK))]).catch((e: unknown) => e)) as ReturnerError;
    expect(err.scope).toBe('item');
    expect(err.message).toMatch(/return of huge in \d{20} is \d+ bytes, over the server's proto-max-bulk-len \(1048576\)/);
    expect(await salt.exists(`ret:${jid}`)).toBe(0);
  });

  it('is registered and can be the master job cache', async () => {
    const loaded = await loadReturner('redis', { opts: r.opts({ 'redis.db': '2' }) });
    open.push(loaded as RedisReturner);
    expect(() => requireCapability(loaded, 'jobCache', 'master_job_cache')).not.toThrow();
    expect(loaded.capabilities).toEqual({ jobCache: true, events: false, retention: true });
  });
});

returnerDeliveryContract('redis', async () => {
  const r = await server();
  const proxy = await startTcpProxy(r.port);
  const salt = reader(r, 3);
  return {
    returner: createReturner({ opts: r.opts({ 'redis.db': '3' }, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: async (jid) => Object.keys(await salt.hgetall(`ret:${jid}`)),
    poison: (jid) => hostReturn(jid, 'too-big', 'x'.repeat(REDIS_TEST_MAX_BULK + 1)),
    cleanup: async () => {
      salt.disconnect();
      await proxy.close();
    },
  };
});
