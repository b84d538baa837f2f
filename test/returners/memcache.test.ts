import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner, readList, type MemcacheReturner } from '../../src/returners/memcache.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { closedPort, startHangServer } from '../helpers/hang-server.js';
import { startMemcached, type TestMemcached } from '../helpers/memcached.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** One private memcached for the whole file. */
let memcached: TestMemcached | undefined;
const server = async (): Promise<TestMemcached> => (memcached ??= await startMemcached());
afterAll(async () => {
  await memcached?.stop();
});

/** `get <key>` over a plain socket, as python-memcached reads it: the flags and the value text, or undefined. */
async function rawGet(port: number, key: string): Promise<{ flags: number; value: string } | undefined> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`get ${key}\r\n`);
  let buf = Buffer.alloc(0);
  while (!buf.subarray(-5).equals(Buffer.from('END\r\n'))) buf = Buffer.concat([buf, (await once(socket, 'data'))[0] as Buffer]);
  socket.destroy();
  const head = /^VALUE \S+ (\d+) (\d+)\r\n/.exec(buf.toString('latin1'));
  if (!head) return undefined;
  const start = head[0].length;
  return { flags: Number(head[1]), value: buf.subarray(start, start + Number(head[2])).toString('utf8') };
}

returnerContractSuite('memcache', async () => {
  const m = await server();
  return { returner: createReturner({ opts: m.opts() }) };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'prep_jid']);

describe('memcache returner', () => {
  let m: TestMemcached;
  const open: MemcacheReturner[] = [];
  const make = (opts: Record<string, unknown>, extra: Partial<Parameters<typeof createReturner>[0]> = {}, deadlines?: Parameters<typeof createReturner>[1]): MemcacheReturner => {
    const made = createReturner({ opts, ...extra }, deadlines);
    open.push(made);
    return made;
  };
  beforeAll(async () => {
    m = await server();
  });
  afterAll(async () => {
    for (const x of open) await x.close();
  });

  it("writes salt's keys as python-memcached does (flags 16, salt JSON, comma lists), each id and jid listed once", async () => {
    const r = make(m.opts());
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid));
    await r.saveLoad(jid, jobLoad(jid));
    const rets = [hostReturn(jid, 'mc-web1', { out: 'é' }), hostReturn(jid, 'mc-web2')];
    await r.returner(rets);
    await r.returner(rets);
    const full = `{"fun_args": [], "jid": "${jid}", "return": {"out": "é"}, "retcode": 0, "success": true, "fun": "test.ping", "id": "mc-web1", "_stamp": "2026-11-29T04:33:01.123456"}`;
    expect(await rawGet(m.port, `${jid}:mc-web1`)).toEqual({ flags: 16, value: full });
    expect(await rawGet(m.port, 'test.ping:mc-web1')).toEqual({ flags: 16, value: full });
    expect(JSON.parse((await rawGet(m.port, jid))?.value ?? '{}')).toEqual({ jid, tgt_type: 'glob', tgt: '*', user: 'root', fun: 'test.ping', arg: [] });
    const minions = (await rawGet(m.port, 'minions'))?.value ?? '';
    expect(minions).toMatch(/,$/);
    expect(readList(minions).filter((id) => id.startsWith('mc-web'))).toEqual(['mc-web1', 'mc-web2']);
    expect(readList((await rawGet(m.port, 'jids'))?.value).filter((j) => j === jid)).toEqual([jid]);
  });

  it('two processes adding ids at once lose none and list none twice (gets/cas, not get-then-append)', async () => {
    const [a, b] = [make(m.opts()), make(m.opts())];
    const jid = testJid();
    const ids = Array.from({ length: 30 }, (_, i) => `cas-${jid}-${i}`);
    await Promise.all(ids.map((id, i) => (i % 2 === 0 ? a : b).returner([hostReturn(jid, id)])));
    const listed = readList((await rawGet(m.port, 'minions'))?.value).filter((id) => id.startsWith(`cas-${jid}`));
    expect(listed.sort()).toEqual([...ids].sort());
  });

  it('a late redelivery of an older job does not replace <fun>:<id>', async () => {
    const r = make(m.opts());
    const older = testJid(new Date(Date.now() - 60_000));
    const newer = testJid();
    await r.returner([hostReturn(newer, 'mc-late', 2, 'cmd.run')]);
    await r.returner([hostReturn(older, 'mc-late', 1, 'cmd.run')]);
    expect(JSON.parse((await rawGet(m.port, 'cmd.run:mc-late'))?.value ?? '{}')).toMatchObject({ jid: newer, return: 2 });
  });

  it('refuses a key memcached cannot hold and a value over its item size as that return\'s fault', async () => {
    const r = make(m.opts());
    const jid = testJid();
    const spaced = (await r.returner([hostReturn(jid, 'web 1')]).catch((e: unknown) => e)) as ReturnerError;
    expect(spaced.scope).toBe('item');
    expect(spaced.message).toBe(`memcache 127.0.0.1:${m.port}: return of web 1 in ${jid}: key '${jid}:web 1' holds a space or a control character`);
    const huge = (await r.returner([hostReturn(jid, 'huge', 'x'.repeat(1024 * 1024))]).catch((e: unknown) => e)) as ReturnerError;
    expect(huge.scope).toBe('item');
    expect(huge.message).toMatch(/return of huge in \d{20} is \d+ bytes: SERVER_ERROR object too large for cache$/);
    // the connection is still in step: the next call works
    await r.returner([hostReturn(jid, 'after-huge')]);
    expect(Object.keys(await r.getJid(jid))).toEqual(['after-huge']);
  });

  it('reads alternative.memcache.* with --return_config, and --return_kwargs over both', async () => {
    const port = await closedPort();
    const alt = make({ ...m.opts({}, port), 'alternative.memcache.port': m.port }, { returnConfig: 'alternative' });
    const kw = make(m.opts({}, port), { returnKwargs: { port: String(m.port) } });
    const jid = testJid();
    await alt.returner([hostReturn(jid, 'mc-alt')]);
    await kw.returner([hostReturn(jid, 'mc-kw')]);
    expect(await rawGet(m.port, `${jid}:mc-alt`)).toBeDefined();
    expect(await rawGet(m.port, `${jid}:mc-kw`)).toBeDefined();
  });

  it('a closed port is a transient one-line error; a server that never answers costs one deadline', async () => {
    const port = await closedPort();
    const down = (await make(m.opts({}, port)).getMinions().catch((e: unknown) => e)) as ReturnerError;
    expect(down.scope).toBe('transient');
    expect(down.message).toMatch(new RegExp(`^memcache 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    expect(down.message).not.toContain('\n');
    const hang = await startHangServer();
    try {
      const r = make(m.opts({}, hang.port), {}, { connectMs: 300, callMs: 300 });
      const started = Date.now();
      const err = (await r.returner([hostReturn(testJid(), 'h')]).catch((e: unknown) => e)) as ReturnerError;
      expect(err.scope).toBe('transient');
      expect(err.message).toBe(`memcache 127.0.0.1:${hang.port}: no answer within 0.3s`);
      expect(Date.now() - started).toBeLessThan(1_500);
      await r.close();
    } finally {
      await hang.close();
    }
  });

  it('is registered and can be the master job cache', async () => {
    const loaded = await loadReturner('memcache', { opts: m.opts() });
    open.push(loaded as MemcacheReturner);
    expect(() => requireCapability(loaded, 'jobCache', 'master_job_cache')).not.toThrow();
    expect(loaded.capabilities).toEqual({ jobCache: true, events: false, retention: false });
  });
});

returnerDeliveryContract('memcache', async () => {
  const m = await server();
  const proxy = await startTcpProxy(m.port);
  const reader = createReturner({ opts: m.opts() });
  return {
    returner: createReturner({ opts: m.opts({}, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: async (jid) => Object.keys(await reader.getJid(jid)),
    poison: (jid) => hostReturn(jid, 'too-big', 'x'.repeat(1024 * 1024)),
    cleanup: async () => {
      await reader.close();
      await proxy.close();
    },
  };
});
