/**
 * The key-value returners through the real CLI over sshd: `--return redis|memcache|etcd` storing salt's
 * keys, `master_job_cache: redis` read back by `salt-run jobs.lookup_jid`, and `returners.flush redis`
 * delivering what a run left pending while Redis was unreachable.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { startMemcached, type TestMemcached } from '../helpers/memcached.js';
import { REDIS_TEST_PASSWORD, startRedis, type TestRedis } from '../helpers/redis.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createReturner as createMemcache } from '../../src/returners/memcache.js';

let sshd: SshdHarness;
let redis: TestRedis;
let memcached: TestMemcached;
let etcd: TestEtcd;
let proxy: TcpProxy;
let reader: Redis;
let knownHosts: string;
let roster: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

function config(opts: Record<string, unknown>) {
  const cfg = makeConfigDir({ ssh_known_hosts_file: knownHosts, ...opts });
  configs.push(cfg);
  return cfg;
}
const ssh = (cfg: { dir: string }, args: string[]) => runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args]);
const run = (cfg: { dir: string }, args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);

beforeAll(async () => {
  [sshd, redis, memcached, etcd] = await Promise.all([startSshd(), startRedis(), startMemcached(), startEtcd()]);
  proxy = await startTcpProxy(redis.port);
  reader = new Redis({ host: '127.0.0.1', port: redis.port, password: REDIS_TEST_PASSWORD, lazyConnect: true });
  knownHosts = sshd.writeKnownHosts();
  roster = sshd.writeRoster(['node1', 'node2']);
});

afterAll(async () => {
  for (const cfg of configs) cfg.cleanup();
  reader?.disconnect();
  await proxy?.close();
  await Promise.all([sshd?.stop(), redis?.stop(), memcached?.stop(), etcd?.stop()]);
});

describe('redis through the CLI', () => {
  it("salt-ssh --return redis stores salt's keys for every host", async () => {
    const cfg = config(redis.opts());
    const res = await ssh(cfg, ['*', 'cmd.run', 'echo hi', '--return', 'redis', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    const rets = await reader.hgetall(`ret:${jid}`);
    expect(Object.keys(rets).sort()).toEqual(['node1', 'node2']);
    expect(JSON.parse(rets['node1'] ?? '{}')).toMatchObject({ id: 'node1', jid, fun: 'cmd.run', fun_args: ['echo hi'], return: 'hi', retcode: 0, success: true });
    expect(JSON.parse((await reader.get(`load:${jid}`)) ?? '{}')).toMatchObject({ jid, fun: 'cmd.run', arg: ['echo hi'], tgt: '*' });
    expect(await reader.get('node2:cmd.run')).toBe(jid);
    expect(await reader.ttl(`ret:${jid}`)).toBeGreaterThan(86_000);
  });

  it('master_job_cache: redis (no local job cache): salt-run jobs.lookup_jid reads the returns from Redis', async () => {
    const cfg = config(redis.opts({ master_job_cache: 'redis', job_cache: false, keep_jobs_seconds: 0 }));
    const res = await ssh(cfg, ['*', 'test.ping', '-v']);
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect(await reader.ttl(`ret:${jid}`)).toBe(-1);
    const looked = await run(cfg, ['jobs.lookup_jid', jid, '--out', 'json']);
    expect(looked.stderr).toBe('');
    expect(looked.code).toBe(0);
    expect(JSON.parse(looked.stdout)).toEqual({ node1: true, node2: true });
    const listed = await run(cfg, ['jobs.list_jobs', '--out', 'json']);
    expect(JSON.parse(listed.stdout)).toHaveProperty(jid);
  });

  it('salt-run returners.flush redis delivers what a run left pending while Redis was down, once', async () => {
    const cfg = config(redis.opts({}, proxy.port));
    await proxy.stop();
    const down = await ssh(cfg, ['node1', 'test.ping', '--return', 'redis', '-v']);
    expect(down.code).toBe(0);
    const jid = bannerJid(down.stdout);
    expect((await run(cfg, ['returners.pending'])).code).toBe(75);
    await proxy.start();
    const flushed = await run(cfg, ['returners.flush', 'redis', '--out', 'json']);
    expect(flushed.code).toBe(0);
    expect(JSON.parse(flushed.stdout)).toMatchObject({ redis: { pending: 0 } });
    expect(Object.keys(await reader.hgetall(`ret:${jid}`))).toEqual(['node1']);
    expect((await run(cfg, ['returners.pending'])).code).toBe(0);
  });

  it('a wrong password is one line on stderr naming host:port', async () => {
    const cfg = config(redis.opts({ 'redis.password': 'wrong' }));
    const res = await ssh(cfg, ['node1', 'test.ping', '--return', 'redis']);
    expect(res.stderr).toMatch(new RegExp(`redis 127\\.0\\.0\\.1:${redis.port}: .*WRONGPASS`));
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('memcache and etcd through the CLI', () => {
  it("salt-ssh --return memcache stores salt's keys", async () => {
    const cfg = config(memcached.opts());
    const res = await ssh(cfg, ['*', 'test.ping', '--return', 'memcache', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    const read = createMemcache({ opts: memcached.opts() });
    try {
      expect(Object.keys(await read.getJid(jid)).sort()).toEqual(['node1', 'node2']);
      expect((await read.getLoad(jid))?.fun).toBe('test.ping');
      expect(await read.getFun('test.ping')).toMatchObject({ node1: jid, node2: jid });
    } finally {
      await read.close();
    }
  });

  it("salt-ssh --return etcd stores salt's v2 layout under etcd.returner_root", async () => {
    const cfg = config(etcd.opts('/e2e/return', { 'etcd.ttl': 3600 }));
    const res = await ssh(cfg, ['*', 'test.ping', '--return', 'etcd', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    const get = async (key: string) => ((await (await fetch(`${etcd.url}/v2/keys/e2e/return/${key}`)).json()) as { node?: { value?: string; ttl?: number } }).node;
    expect((await get('minions/node1'))?.value).toBe(jid);
    expect(await get(`jobs/${jid}/node2/return`)).toMatchObject({ value: 'true' });
    expect((await get(`jobs/${jid}/node2/return`))?.ttl).toBeGreaterThan(3500);
    expect(JSON.parse((await get(`jobs/${jid}/.load.p`))?.value ?? '{}')).toMatchObject({ jid, fun: 'test.ping' });
  });
});
