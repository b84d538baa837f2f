import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createReturner, type EtcdReturner } from '../../src/returners/etcd.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { closedPort, startHangServer } from '../helpers/hang-server.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** One private etcd for the whole file; each test writes under its own root. */
let etcd: TestEtcd | undefined;
const server = async (): Promise<TestEtcd> => (etcd ??= await startEtcd());
const freshRoot = (): string => `/brine-test/${randomBytes(6).toString('hex')}`;
afterAll(async () => {
  await etcd?.stop();
});

interface V2Node {
  key: string;
  value?: string;
  ttl?: number;
  dir?: boolean;
  nodes?: V2Node[];
}

/** A v2 GET as python-etcd (salt's reader) makes it: the node, or undefined for errorCode 100. */
async function v2get(e: TestEtcd, key: string, recursive = false): Promise<V2Node | undefined> {
  const res = await fetch(`${e.url}/v2/keys${key}${recursive ? '?recursive=true' : ''}`);
  if (res.status === 404) return undefined;
  return ((await res.json()) as { node: V2Node }).node;
}

returnerContractSuite('etcd', async () => {
  const e = await server();
  return { returner: createReturner({ opts: e.opts(freshRoot()) }) };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'clean_old_jobs', 'prep_jid']);

describe('etcd returner', () => {
  let e: TestEtcd;
  const open: EtcdReturner[] = [];
  const make = (opts: Record<string, unknown>, deadlines?: Parameters<typeof createReturner>[1]): EtcdReturner => {
    const made = createReturner({ opts }, deadlines);
    open.push(made);
    return made;
  };
  beforeAll(async () => {
    e = await server();
  });
  afterAll(async () => {
    for (const x of open) await x.close();
  });

  it("writes salt's v2 layout under etcd.returner_root, with etcd.ttl on every key", async () => {
    const root = freshRoot();
    const r = make(e.opts(root, { 'etcd.ttl': 600 }));
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid));
    await r.returner([hostReturn(jid, 'web1', { out: 'é' }), { ...hostReturn(jid, 'web2', 'boom'), retcode: 1, success: false }]);
    expect((await v2get(e, `${root}/minions/web1`))?.value).toBe(jid);
    const fields = await v2get(e, `${root}/jobs/${jid}/web1`, true);
    const byField = Object.fromEntries((fields?.nodes ?? []).map((n) => [n.key.split('/').pop(), n.value]));
    expect(byField).toEqual({ fun_args: '[]', jid: `"${jid}"`, return: '{"out": "é"}', retcode: '0', success: 'true', fun: '"test.ping"', id: '"web1"' });
    // etcd v2 hides keys that start with "_" from listings; the field is there all the same
    expect((await v2get(e, `${root}/jobs/${jid}/web1/_stamp`))?.value).toBe('"2026-11-29T04:33:01.123456"');
    expect((await r.getJid(jid))['web1']).toMatchObject({ _stamp: '2026-11-29T04:33:01.123456', return: { out: 'é' } });
    expect((await v2get(e, `${root}/jobs/${jid}/web2/success`))?.value).toBe('false');
    const load = await v2get(e, `${root}/jobs/${jid}/.load.p`);
    expect(JSON.parse(load?.value ?? '{}')).toEqual({ jid, tgt_type: 'glob', tgt: '*', user: 'root', fun: 'test.ping', arg: [] });
    for (const node of [load, await v2get(e, `${root}/minions/web1`), await v2get(e, `${root}/jobs/${jid}/web1/return`)]) {
      expect(node?.ttl).toBeGreaterThan(590);
      expect(node?.ttl).toBeLessThanOrEqual(600);
    }
  });

  it('without etcd.ttl keys never expire; etcd.returner names the connection profile, the write profile its ttl', async () => {
    const root = freshRoot();
    const plain = make(e.opts(root));
    const jid = testJid();
    await plain.returner([hostReturn(jid, 'keep')]);
    expect((await v2get(e, `${root}/jobs/${jid}/keep/return`))?.ttl).toBeUndefined();
    const port = await closedPort();
    const profiles = make({
      'etcd.port': port, // the top-level keys are not read once etcd.returner names a profile
      etcd_main: { 'etcd.host': '127.0.0.1', 'etcd.port': e.port },
      etcd_write: { 'etcd.host': '127.0.0.1', 'etcd.port': e.port, 'etcd.ttl': 300 },
      etcd_read: { 'etcd.host': '127.0.0.1', 'etcd.port': port },
      'etcd.returner': 'etcd_main',
      'etcd.returner_write_profile': 'etcd_write',
      'etcd.returner_read_profile': 'etcd_read',
      'etcd.returner_root': root,
    });
    const jid2 = testJid();
    await profiles.saveLoad(jid2, jobLoad(jid2));
    await profiles.returner([hostReturn(jid2, 'profiled')]);
    expect((await v2get(e, `${root}/jobs/${jid2}/profiled/return`))?.ttl).toBeGreaterThan(290);
    expect(Object.keys(await profiles.getJid(jid2))).toEqual(['profiled']);
    // get_load alone reads through etcd.returner_read_profile, here a closed port
    await expect(profiles.getLoad(jid2)).rejects.toThrow(new RegExp(`^etcd 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  it('R/minions/<id> only moves forward: a late redelivery of an older job keeps the newer jid', async () => {
    const r = make(e.opts(freshRoot()));
    const older = testJid(new Date(Date.now() - 60_000));
    const newer = testJid();
    await r.returner([hostReturn(newer, 'late', 1, 'cmd.run')]);
    await r.returner([hostReturn(older, 'late', 1, 'cmd.run')]);
    expect((await v2get(e, `${r.root}/minions/late`))?.value).toBe(newer);
    expect(await r.getFun('cmd.run')).toEqual({ late: newer });
  });

  it('refuses settings it cannot honour in one line naming the key', () => {
    const refused = (opts: Record<string, unknown>): string => {
      try {
        make(opts);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused({ 'etcd.require_v2': false })).toMatch(/^etcd\.require_v2: False asks for etcd's v3 API/);
    expect(refused({ 'etcd.returner': 'nope' })).toBe("etcd.returner: profile 'nope' is not a mapping in the master config");
    expect(refused({ p: { 'etcd.username': 'u' }, 'etcd.returner': 'p' })).toBe('p: etcd.password: etcd.username and etcd.password go together');
    expect(refused({ 'etcd.ca': '/nonexistent/ca.pem' })).toBe('etcd.ca: cannot read /nonexistent/ca.pem: ENOENT');
    expect(refused({ 'etcd.ttl': 'soon' })).toBe("etcd.ttl: expected a non-negative integer, got 'soon'");
  });

  it("refuses a host id etcd cannot hold, and a key etcd itself refuses, as that return's fault", async () => {
    const r = make(e.opts(freshRoot()));
    const jid = testJid();
    const slash = (await r.returner([hostReturn(jid, 'a/b')]).catch((x: unknown) => x)) as ReturnerError;
    expect(slash.scope).toBe('item');
    expect(slash.message).toMatch(/return of a\/b in \d{20}: a host id etcd cannot hold/);
    await r.saveLoad(jid, jobLoad(jid));
    const clash = (await r.returner([hostReturn(jid, '.load.p')]).catch((x: unknown) => x)) as ReturnerError;
    expect(clash.scope).toBe('item');
    expect(clash.message).toMatch(new RegExp(`^etcd 127\\.0\\.0\\.1:${e.port}: return of \\.load\\.p in ${jid}: HTTP 400: Not a directory \\(`));
  });

  it('a closed port is a transient one-line error; a server that never answers costs one deadline', async () => {
    const port = await closedPort();
    const down = (await make(e.opts(freshRoot(), {}, port)).getMinions().catch((x: unknown) => x)) as ReturnerError;
    expect(down.scope).toBe('transient');
    expect(down.message).toMatch(new RegExp(`^etcd 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    const hang = await startHangServer();
    try {
      const r = make(e.opts(freshRoot(), {}, hang.port), { connectMs: 300, requestMs: 300 });
      const started = Date.now();
      const err = (await r.returner([hostReturn(testJid(), 'h')]).catch((x: unknown) => x)) as ReturnerError;
      expect(err.scope).toBe('transient');
      expect(err.message).toMatch(new RegExp(`^etcd 127\\.0\\.0\\.1:${hang.port}: return of h in \\d{20}: no answer within 0\\.3s$`));
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await hang.close();
    }
  });

  it('a wrong password stops that returner in one line naming host:port; the right one stores (v2 basic auth)', async () => {
    const secured = await startEtcd();
    try {
      const root = { authorization: `Basic ${Buffer.from('root:rootpw').toString('base64')}` };
      await fetch(`${secured.url}/v2/auth/users/root`, { method: 'PUT', body: JSON.stringify({ user: 'root', password: 'rootpw' }) });
      await fetch(`${secured.url}/v2/auth/enable`, { method: 'PUT' });
      const revoke = { role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } };
      expect((await fetch(`${secured.url}/v2/auth/roles/guest`, { method: 'PUT', headers: root, body: JSON.stringify(revoke) })).status).toBe(200);
      const bad = make(secured.opts('/salt/return', { 'etcd.username': 'root', 'etcd.password': 'wrong' }));
      const err = (await bad.returner([hostReturn(testJid(), 'x')]).catch((x: unknown) => x)) as ReturnerError;
      expect(err.scope).toBe('returner');
      expect(err.message).toMatch(new RegExp(`^etcd 127\\.0\\.0\\.1:${secured.port}: return of x in \\d{20}: HTTP 401: The request requires user authentication \\(Insufficient credentials\\)$`));
      const good = make(secured.opts('/salt/return', { 'etcd.username': 'root', 'etcd.password': 'rootpw' }));
      // each authenticated request costs etcd a bcrypt check: two requests prove the credentials work
      const jid = testJid();
      await good.saveLoad(jid, jobLoad(jid));
      expect((await good.getLoad(jid))?.jid).toBe(jid);
    } finally {
      await secured.stop();
    }
  });

  it('speaks https with etcd.ca and a client certificate (etcd.client_cert/client_key); without the certificate etcd refuses', async () => {
    const secured = await startEtcd({ tls: true });
    try {
      const tls = secured.tls;
      if (!tls) throw new Error('no TLS files');
      const good = make(secured.opts('/salt/return', { 'etcd.ca': tls.ca, 'etcd.client_cert': tls.clientCert, 'etcd.client_key': tls.clientKey }));
      const jid = testJid();
      await good.saveLoad(jid, jobLoad(jid));
      await good.returner([hostReturn(jid, 'over-tls')]);
      expect(Object.keys(await good.getJid(jid))).toEqual(['over-tls']);
      expect((await good.getLoad(jid))?.jid).toBe(jid);
      const noCert = make(secured.opts('/salt/return', { 'etcd.ca': tls.ca }));
      await expect(noCert.getMinions()).rejects.toThrow(new RegExp(`^etcd 127\\.0\\.0\\.1:${secured.port}: `));
      const wrongCa = make(secured.opts('/salt/return', { 'etcd.ca': tls.clientCert, 'etcd.client_cert': tls.clientCert, 'etcd.client_key': tls.clientKey }));
      await expect(wrongCa.getMinions()).rejects.toThrow(/certificate/i);
    } finally {
      await secured.stop();
    }
  });

  it('is registered and can be the master job cache', async () => {
    const loaded = await loadReturner('etcd', { opts: e.opts(freshRoot()) });
    open.push(loaded as EtcdReturner);
    expect(() => requireCapability(loaded, 'jobCache', 'master_job_cache')).not.toThrow();
    expect(loaded.capabilities).toEqual({ jobCache: true, events: false, retention: true });
  });
});

returnerDeliveryContract('etcd', async () => {
  const e = await server();
  const proxy = await startTcpProxy(e.port);
  const root = freshRoot();
  const reader = createReturner({ opts: e.opts(root) });
  return {
    returner: createReturner({ opts: e.opts(root, {}, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: async (jid) => Object.keys(await reader.getJid(jid)),
    // the load is the file R/jobs/<jid>/.load.p: etcd refuses a directory of that name (Not a directory)
    poison: (jid) => hostReturn(jid, '.load.p'),
    cleanup: async () => {
      await reader.close();
      await proxy.close();
    },
  };
});
