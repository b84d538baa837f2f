/**
 * The shared returner contract (keyv's storageTestSuite idea): every returner runs it against its
 * real backend; capabilities and the methods a returner has switch the cases on.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReturn, JobLoad } from '../../src/core/job.js';
import { generateJid } from '../../src/salt/jid.js';
import type { Returner } from '../../src/returners/types.js';

export interface ContractSubject {
  returner: Returner;
  /** Rows stored for (jid, id), to prove a redelivery added none (when the backend can count). */
  countReturns?(jid: string, id: string): Promise<number>;
  countEvents?(tag: string): Promise<number>;
  cleanup?(): Promise<void>;
}

/** A unique jid at `date` (random microseconds, so parallel tests never collide). */
export function testJid(date = new Date()): string {
  return generateJid(date, randomInt(0, 1000));
}

export function hostReturn(jid: string, id: string, value: unknown = true, fun = 'test.ping'): HostReturn {
  return { id, jid, fun, fun_args: [], return: value, retcode: 0, success: true, _stamp: '2026-11-29T04:33:01.123456' };
}

export function jobLoad(jid: string, fun = 'test.ping', arg: unknown[] = []): JobLoad {
  return { jid, fun, arg, tgt: '*', tgt_type: 'glob', user: 'root' };
}

/** The optional salt returner functions the suite knows, and the Returner method each maps to. */
const METHODS = {
  save_load: 'saveLoad',
  get_jid: 'getJid',
  get_jids: 'getJids',
  get_fun: 'getFun',
  get_minions: 'getMinions',
  event_return: 'eventReturn',
  clean_old_jobs: 'cleanOldJobs',
  prep_jid: 'prepJid',
} as const satisfies Record<string, keyof Returner>;

export type ContractFunction = keyof typeof METHODS;

/** Registers no test: a function the returner does not declare has no case to run. */
const noCase = (() => undefined) as unknown as typeof it;

export function returnerContractSuite(name: string, factory: () => Promise<ContractSubject>, functions: readonly ContractFunction[]): void {
  describe(`returner contract: ${name}`, () => {
    let s: ContractSubject;
    let r: Returner;
    beforeAll(async () => {
      s = await factory();
      r = s.returner;
    });
    afterAll(async () => {
      await r.close();
      await s.cleanup?.();
    });

    // cases run only for the functions the returner declares; the first case proves the declaration true
    const when = (fn: ContractFunction) => (functions.includes(fn) ? it : noCase);

    it('implements exactly the salt functions it declares', () => {
      const has = Object.fromEntries(Object.entries(METHODS).map(([fn, method]) => [fn, typeof r[method] === 'function']));
      expect(Object.keys(has).filter((fn) => has[fn]).sort()).toEqual([...functions].sort());
      expect(r.capabilities.events).toBe(functions.includes('event_return'));
    });

    const all = (): Required<Returner> => r as Required<Returner>;

    const store = async (jid: string, rets: HostReturn[], fun = 'test.ping'): Promise<void> => {
      await r.saveLoad?.(jid, jobLoad(jid, fun), rets.map((x) => x.id));
      await r.returner(rets);
    };

    when('get_jid')('returner() stores a batch and getJid reads it back flat', async () => {
      const jid = testJid();
      const rets = [hostReturn(jid, 'node1'), hostReturn(jid, 'node2', { a: [1, 'x'] }), { ...hostReturn(jid, 'node3', 'boom'), retcode: 1, success: false }];
      await store(jid, rets);
      const got = await all().getJid(jid);
      expect(Object.keys(got).sort()).toEqual(['node1', 'node2', 'node3']);
      expect(got['node2']).toMatchObject({ id: 'node2', jid, fun: 'test.ping', return: { a: [1, 'x'] }, retcode: 0, success: true });
      expect(got['node3']).toMatchObject({ return: 'boom', retcode: 1, success: false });
    });

    it('redelivering the same batch does not duplicate', async () => {
      const jid = testJid();
      const rets = [hostReturn(jid, 'a'), hostReturn(jid, 'b')];
      await store(jid, rets);
      await r.returner(rets);
      await r.returner([rets[0]!, rets[0]!, hostReturn(jid, 'c')]);
      if (r.getJid) expect(Object.keys(await r.getJid(jid)).sort()).toEqual(['a', 'b', 'c']);
      if (s.countReturns) {
        for (const id of ['a', 'b', 'c']) expect(await s.countReturns(jid, id)).toBe(1);
      }
    });

    when('save_load')('saveLoad/getLoad round-trip the load; a second saveLoad is harmless', async () => {
      const jid = testJid();
      const load = jobLoad(jid, 'cmd.run', ['uptime']);
      await all().saveLoad(jid, load, ['node1']);
      await all().saveLoad(jid, load, ['node1']);
      expect(await all().getLoad(jid)).toMatchObject({ jid, fun: 'cmd.run', arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root' });
      expect(await all().getLoad(testJid(new Date(Date.UTC(2001, 0, 1))))).toBeUndefined();
    });

    when('get_jids')('getJids lists the job and getJidsFilter skips saltutil.find_job', async () => {
      const jid = testJid();
      const findJob = testJid();
      await store(jid, [hostReturn(jid, 'n1')], 'test.version');
      await store(findJob, [hostReturn(findJob, 'n1')], 'saltutil.find_job');
      const listed = await all().getJids();
      expect(listed.find((j) => j.jid === jid)?.load.fun).toBe('test.version');
      if (!r.getJidsFilter) return; // get_jids_filter is optional in salt too
      const filtered = (await all().getJidsFilter(1000, true)).map((j) => j.jid);
      expect(filtered).toContain(jid);
      expect(filtered).not.toContain(findJob);
      expect((await all().getJidsFilter(1000, false)).map((j) => j.jid)).toContain(findJob);
    });

    when('get_fun')('getFun gives each minion the jid of its latest call', async () => {
      const fun = `test.fun${randomInt(1e9)}`;
      const older = testJid(new Date(Date.now() - 60_000));
      const newer = testJid();
      await store(older, [hostReturn(older, 'x', 1, fun), hostReturn(older, 'y', 1, fun)], fun);
      await store(newer, [hostReturn(newer, 'x', 2, fun)], fun);
      expect(await all().getFun(fun)).toEqual({ x: newer, y: older });
    });

    when('get_minions')('getMinions lists every host with a return', async () => {
      const jid = testJid();
      const id = `minion-${randomInt(1e9)}`;
      await store(jid, [hostReturn(jid, id)]);
      expect(await all().getMinions()).toContain(id);
    });

    when('event_return')('eventReturn stores job events once', async () => {
      const jid = testJid();
      const events = [
        { tag: `salt/job/${jid}/new`, data: { jid, fun: 'test.ping', minions: ['a'] } },
        { tag: `salt/job/${jid}/ret/a`, data: { id: 'a', jid, return: true } },
      ];
      await all().eventReturn(events);
      await all().eventReturn(events);
      if (s.countEvents) {
        expect(await s.countEvents(`salt/job/${jid}/new`)).toBe(1);
        expect(await s.countEvents(`salt/job/${jid}/ret/a`)).toBe(1);
      }
    });

    when('clean_old_jobs')('cleanOldJobs removes old jobs and keeps recent ones', async () => {
      const old = testJid(new Date(Date.UTC(2001, 0, 1)));
      const recent = testJid();
      await store(old, [hostReturn(old, 'n1')]);
      await store(recent, [hostReturn(recent, 'n1')]);
      await all().cleanOldJobs(3600);
      expect(await all().getLoad(old)).toBeUndefined();
      expect(await all().getLoad(recent)).toBeDefined();
    });

    when('get_jid')('4-byte characters round-trip', async () => {
      const jid = testJid();
      const text = 'ok 😀 naïve 日本 𝄞';
      await store(jid, [hostReturn(jid, 'emoji', { out: text, [text]: text })]);
      expect((await all().getJid(jid))['emoji']?.return).toEqual({ out: text, [text]: text });
    });

    when('prep_jid')('prepJid keeps a passed jid and makes a 20-digit one', async () => {
      const passed = testJid();
      expect(await all().prepJid(passed)).toBe(passed);
      expect(await all().prepJid()).toMatch(/^\d{20}$/);
    });
  });
}
