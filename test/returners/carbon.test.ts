import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/carbon.js';
import { picklePayload } from '../../src/returners/carbon-metrics.js';
import { ConfigError } from '../../src/errors.js';
import type { ReturnerError } from '../../src/returners/failure.js';
import type { HostReturn } from '../../src/core/job.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { startCarbon, type CarbonServer } from '../helpers/carbon.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

let carbon: CarbonServer;
const ready = startCarbon().then((c) => (carbon = c));
beforeAll(async () => {
  await ready;
});
afterAll(async () => {
  await carbon?.stop();
});

/** A private metric namespace per test, through salt's documented pattern. */
const prefix = (): string => `t${randomBytes(4).toString('hex')}`;
const opts = (base: string, extra: Record<string, unknown> = {}, port?: number): Record<string, unknown> => ({
  'carbon.host': '127.0.0.1',
  'carbon.port': port ?? carbon.linePort,
  'carbon.metric_base_pattern': `${base}.[module].[function].[minion_id]`,
  ...extra,
});
/** `_stamp` now, so every archive holds it at one-second precision. */
const fresh = (ret: HostReturn): HostReturn => ({ ...ret, _stamp: new Date().toISOString().replace('Z', '000') });
const secondsOf = (ret: HostReturn): number => Math.floor(Date.parse(`${ret._stamp.slice(0, 19)}Z`) / 1000);

returnerContractSuite('carbon', async () => {
  await ready;
  return { returner: createReturner({ opts: opts(prefix()) }) };
}, ['event_return', 'prep_jid']);

describe('carbon returner', () => {
  const value = { used: 42, pct: '12.5', ok: true, 'mnt /var': 3, disks: [7, 8], nested: { a: { b: -1 } }, list: [{ x: 1 }] };
  const expected = (base: string, ts: number) => [
    [`${base}.used`, 42], [`${base}.pct`, 12.5], [`${base}.ok`, 1], [`${base}.mnt__var`, 3], [`${base}.disks.7`, 7],
    [`${base}.disks.8`, 8], [`${base}.nested.a.b`, -1], [`${base}.list.0.x`, 1],
  ].map(([path, v]) => [path, [[ts, v]]]);

  for (const mode of ['text', 'pickle'] as const) {
    it(`${mode} mode: salt's metric paths (id dots as _, sanitised keys) at the return's own second, read back with whisper-fetch`, async () => {
      const p = prefix();
      const port = mode === 'pickle' ? carbon.picklePort : carbon.linePort;
      const r = createReturner({ opts: opts(p, { 'carbon.mode': mode }, port) });
      const ret = fresh(hostReturn(testJid(), 'web1.example.com', value, 'disk.usage'));
      await r.returner([ret]);
      await carbon.settle();
      const ts = secondsOf(ret);
      const base = `${p}.disk.usage.web1_example_com`;
      const points = await carbon.fetchMany(expected(base, ts).map(([path]) => String(path)), ts - 1, ts);
      expect([...points]).toEqual(expected(base, ts));
      expect(await carbon.fetch(`${base}.pct`, ts - 1, ts)).toEqual([[ts, 12.5]]);
    });
  }

  it('a redelivered return overwrites its own point: one value per second, the last one', async () => {
    const p = prefix();
    const r = createReturner({ opts: opts(p) });
    const ret = fresh(hostReturn(testJid(), 'n1', { v: 1 }));
    await r.returner([ret]);
    await r.returner([ret, { ...ret, return: { v: 5 } }]);
    await carbon.settle();
    const ts = secondsOf(ret);
    expect(await carbon.fetch(`${p}.test.ping.n1.v`, ts - 5, ts + 5)).toEqual([[ts, 5]]);
  });

  it('a value that is not a number fails the return unless skip_on_error (or --return_kwargs skip)', async () => {
    const p = prefix();
    const ret = fresh(hostReturn(testJid(), 'n1', { good: 1, text: 'hello' }));
    const err = (await createReturner({ opts: opts(p) }).returner([ret]).catch((e: unknown) => e)) as ReturnerError;
    expect([err.scope, err.message]).toEqual(['item', `carbon: ${p}.test.ping.n1.text: "hello" is not a number (carbon.skip_on_error: True skips such values)`]);
    await createReturner({ opts: opts(p, { carbon: { skip_on_error: true } }) }).returner([ret]);
    await createReturner({ opts: opts(p), returnKwargs: { skip: true } }).returner([ret]);
    await carbon.settle();
    const ts = secondsOf(ret);
    expect(await carbon.fetch(`${p}.test.ping.n1.good`, ts - 1, ts)).toEqual([[ts, 1]]);
    expect(existsSync(join(carbon.whisperDir, p, 'test', 'ping', 'n1', 'text.wsp'))).toBe(false);
  });

  it('the pickle payload is what Python unpickles: [(path, (ts, value)), …]', () => {
    const payload = picklePayload([{ path: 'a.b', value: 1.5, timestamp: 1700000000 }, { path: 'é.x', value: -2, timestamp: 1700000001 }]);
    const script = 'import sys,pickle,struct,json;d=sys.stdin.buffer.read();n=struct.unpack("!L",d[:4])[0];print(json.dumps(pickle.loads(d[4:4+n])),len(d)-4-n)';
    expect(execFileSync('/usr/bin/python3', ['-c', script], { input: payload, encoding: 'utf8' }).trim()).toBe('[["a.b", [1700000000, 1.5]], ["\\u00e9.x", [1700000001, -2.0]]] 0');
  });

  it('refuses a missing host/port and an unknown mode in one line naming the key', () => {
    expect(() => createReturner({ opts: { 'carbon.port': 2003 } })).toThrow(new ConfigError('carbon.host and carbon.port: carbon.host is not set (carbon listens on 2003 for text, 2004 for pickle)'));
    expect(() => createReturner({ opts: { 'carbon.host': 'x', 'carbon.port': 2003, 'carbon.mode': 'udp' } })).toThrow("carbon.mode: expected text or pickle, got 'udp'");
  });

  it('a carbon that is down fails the batch as transient, naming host:port', async () => {
    const proxy = await startTcpProxy(carbon.linePort);
    await proxy.stop();
    const err = (await createReturner({ opts: opts(prefix(), {}, proxy.port) }).returner([hostReturn(testJid(), 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect([err.scope, err.message]).toEqual(['transient', `carbon 127.0.0.1:${proxy.port}: ECONNREFUSED`]);
  });
});

returnerDeliveryContract('carbon', async () => {
  await ready;
  const p = prefix();
  const proxy = await startTcpProxy(carbon.linePort);
  // carbon's paths carry no jid: each host id is the jid's that first showed it (the suite's ids differ per case)
  const owner = new Map<string, string>();
  const stamp = secondsOf(hostReturn('x', 'x'));
  return {
    returner: createReturner({ opts: opts(p, {}, proxy.port) }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async storedIds(jid) {
      await carbon.settle();
      const dir = join(carbon.whisperDir, p, 'test', 'ping');
      const ids = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wsp')).map((f) => f.slice(0, -4)) : [];
      const mine = ids.filter((id) => (owner.get(id) ?? jid) === jid);
      const points = await carbon.fetchMany(mine.map((id) => `${p}.test.ping.${id}`), stamp - 60, stamp + 60);
      const stored = mine.flatMap((id) => (points.get(`${p}.test.ping.${id}`) ?? []).filter(([ts]) => ts <= stamp).map(() => id));
      for (const id of stored) owner.set(id, jid);
      return stored;
    },
    // carbon holds numbers only: a text return is refused (salt raises the same without skip_on_error)
    poison: (jid) => hostReturn(jid, 'wordy', 'not a number'),
    cleanup: () => proxy.close(),
  };
});
