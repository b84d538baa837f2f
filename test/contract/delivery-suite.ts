/**
 * The delivery contract every returner passes against its real backend, through brine's durable queue
 * (the local job cache) and forwarder: a store that is down during the run gets everything later, once;
 * a return the store refuses is set aside and does not hold up the others.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../src/core/job.js';
import { flushPending, startForwarder, type ForwarderOptions } from '../../src/delivery/forward.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import type { Returner } from '../../src/returners/types.js';
import { hostReturn, jobLoad, testJid } from './returner-suite.js';

export interface DeliverySubject {
  /** Bound to a store that `down()` makes unreachable (stopped TCP proxy, removed socket, unwritable file…). */
  returner: Returner;
  down(): Promise<void>;
  up(): Promise<void>;
  /**
   * The host ids stored for `jid`, once per stored copy (a duplicate shows twice), as the store's own
   * readers see them (rows, keys, points, messages received).
   */
  storedIds(jid: string): Promise<string[]>;
  /**
   * A return this store refuses for good (the returner throws a ReturnerError with scope 'item' for it).
   * Omit only when the store accepts anything brine can send, and say why in `refusesNothing`.
   */
  poison?(jid: string): HostReturn;
  refusesNothing?: string;
  cleanup?(): Promise<void>;
}

const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };

export function returnerDeliveryContract(name: string, factory: () => Promise<DeliverySubject>): void {
  describe(`delivery contract: ${name}`, () => {
    let dir: string;
    let cache: LocalJobCache;
    let s: DeliverySubject;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `brine-delivery-${name}-`));
      cache = openLocalCache(join(dir, 'jobs.sqlite'));
      s = await factory();
    });
    afterAll(async () => {
      await s.returner.close();
      await s.cleanup?.();
      await cache.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const options = (warnings: string[]): ForwarderOptions => ({
      queue: cache,
      returners: new Map([[name, s.returner]]),
      warn: (line) => warnings.push(line),
      retry: RETRY,
      callTimeoutMs: 3_000,
    });
    const queueJob = async (jid: string, rets: readonly HostReturn[]): Promise<void> => {
      await cache.saveLoad({ load: jobLoad(jid), minions: rets.map((r) => r.id), startedAt: Date.now() }, [name]);
      for (const ret of rets) await cache.saveReturn(ret, [name]);
    };
    const sorted = async (jid: string): Promise<string[]> => (await s.storedIds(jid)).sort();

    it('a store that is down during the run gets every return later, exactly once', async () => {
      const jid = testJid();
      const hosts = Array.from({ length: 12 }, (_, i) => `down${String(i).padStart(2, '0')}`);
      const warnings: string[] = [];
      const fwd = startForwarder(options(warnings));
      await s.down();
      try {
        await queueJob(jid, hosts.map((id) => hostReturn(jid, id)));
        fwd.notify();
        const report = await fwd.finish(500);
        expect(report.pending).toBeGreaterThan(0);
        expect(warnings.join('\n')).toContain(`Returner ${name}`);
      } finally {
        await s.up();
      }
      const report = await flushPending({ ...options([]), timeoutMs: 15_000 });
      expect(report.queues[name]).toMatchObject({ pending: 0 });
      expect(await sorted(jid)).toEqual(hosts);
      // a second flush finds nothing left to send
      expect((await flushPending({ ...options([]), timeoutMs: 5_000 })).delivered).toBe(0);
      expect(await sorted(jid)).toEqual(hosts);
    });

    it('a return the store refuses is set aside with its reason; the others are delivered', async () => {
      if (s.poison === undefined) {
        expect(s.refusesNothing, 'a returner without a poison case must say why it refuses nothing').toMatch(/\w{10}/);
        return;
      }
      const jid = testJid();
      const good = Array.from({ length: 8 }, (_, i) => `good${i}`);
      const rets = good.map((id) => hostReturn(jid, id));
      const poison = s.poison(jid);
      rets.splice(3, 0, poison);
      await queueJob(jid, rets);
      const warnings: string[] = [];
      const report = await flushPending({ ...options(warnings), timeoutMs: 15_000 });
      expect(report.queues[name]).toMatchObject({ setAside: 1, pending: 1 });
      expect(await sorted(jid)).toEqual(good);
      const [aside] = await cache.listSetAside(name);
      expect(aside).toMatchObject({ jid, id: poison.id });
      expect(aside?.error.length).toBeGreaterThan(5);
      expect(warnings.join('\n')).toMatch(/set aside/);
      await cache.markDelivered(name, (await cache.listSetAside(name)).map((x) => ({ ...x, attempts: 0, settings: '' })));
    });
  });
}
