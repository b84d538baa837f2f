/** The job's events as an async iterable: order, a bounded buffer against a slow consumer, and leaving early. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jobEvents } from '../../../src/job/job-events.js';
import type { JobEvent } from '../../../src/job/types.js';
import type { HostTarget } from '../../../src/transport/types.js';
import { jobRequest, localTarget, openFixture, type JobFixture } from './job-fixture.js';

let fixture: JobFixture;
beforeEach(() => {
  fixture = openFixture();
});
afterEach(async () => {
  await fixture.close();
});

describe('jobEvents', () => {
  it('yields started, each committed return, then finished', async () => {
    const types: string[] = [];
    for await (const event of jobEvents(await jobRequest('test.ping', [], [localTarget('a'), localTarget('b')]), fixture.context())) {
      types.push(event.type);
      if (event.type === 'returned') expect((await fixture.cache.getJid(event.jid))[event.ret.id]).toMatchObject({ return: true });
      if (event.type === 'finished') expect(event.outcome.exitCode).toBe(0);
    }
    expect(types).toEqual(['started', 'returned', 'returned', 'finished']);
  });

  it('holds at most bufferSize returns for a consumer that stops reading, while commits go on', async () => {
    let drawn = 0;
    async function* counted(): AsyncGenerator<HostTarget> {
      for (const id of ['b1', 'b2', 'b3', 'b4', 'b5']) {
        drawn += 1;
        yield localTarget(id);
        await Promise.resolve();
      }
    }
    let committed = 0;
    const context = fixture.context();
    const save = context.cache.saveReturn.bind(context.cache);
    context.cache = Object.assign(Object.create(context.cache) as typeof context.cache, {
      saveReturn: async (...args: Parameters<typeof save>) => {
        await save(...args);
        committed += 1;
      },
    });
    const iterator = jobEvents(await jobRequest('test.ping', [], counted(), { maxProcs: 1 }), context, { bufferSize: 1 })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'started' });
    // One return fills the buffer, the next one is committed and waits for room: the job draws no third host.
    await vi.waitFor(() => expect(committed).toBe(2), { timeout: 10_000 });
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(drawn).toBe(2);
    const rest: JobEvent[] = [];
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest.push(next.value);
    expect(rest.map((event) => event.type)).toEqual(['returned', 'returned', 'returned', 'returned', 'returned', 'finished']);
    expect(drawn).toBe(5);
    expect(committed).toBe(5);
  });

  it('aborts the job when the consumer leaves the loop, and marks it interrupted', async () => {
    let jid = '';
    const hosts = Array.from({ length: 6 }, (_, i) => localTarget(`l${i}`));
    for await (const event of jobEvents(await jobRequest('test.ping', [], hosts, { maxProcs: 1 }), fixture.context())) {
      if (event.type === 'started') jid = event.jid;
      if (event.type === 'returned') break;
    }
    const job = await fixture.cache.getJob(jid);
    expect(job).toMatchObject({ interrupted: true, endedAt: expect.any(Number) as number });
    expect(Object.keys(await fixture.cache.getJid(jid)).length).toBeLessThan(6);
  });

  it('throws from the loop when the job cannot start (a jid already in the cache)', async () => {
    const jid = await fixture.cache.prepJid(new Date());
    const events = jobEvents(await jobRequest('test.ping', [], [localTarget('a')], { jid }), fixture.context());
    await expect(async () => {
      for await (const _event of events) expect.unreachable();
    }).rejects.toThrow(/already in the job cache/);
  });
});
