/** The job as a library over the local transport: events, commits before events, exit codes, aborts. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '../../../src/job/run-job.js';
import type { JobEvent, JobHooks } from '../../../src/job/types.js';
import { localTransport } from '../../../src/transport/local.js';
import { fedTargets, hangingTransport, jobRequest, localTarget, openFixture, type JobFixture } from './job-fixture.js';

let fixture: JobFixture;
beforeEach(() => {
  fixture = openFixture();
});
afterEach(async () => {
  await fixture.close();
});

function recorder(): { events: JobEvent[]; hooks: JobHooks } {
  const events: JobEvent[] = [];
  return {
    events,
    hooks: {
      onStarted: (event) => void events.push(event),
      onReturned: (event) => void events.push(event),
      onFinished: (event) => void events.push(event),
    },
  };
}

describe('runJob', () => {
  it('emits started, one returned per host, then finished, with the load committed before started', async () => {
    const { events, hooks } = recorder();
    let loadAtStart: unknown;
    const outcome = await runJob(await jobRequest('cmd.run', ['echo hi'], [localTarget('a'), localTarget('b'), localTarget('c')]), fixture.context(), {
      hooks: {
        ...hooks,
        onStarted: async (event) => {
          await hooks.onStarted?.(event);
          loadAtStart = await fixture.cache.getJob(event.jid);
        },
      },
    });
    expect(events.map((event) => event.type)).toEqual(['started', 'returned', 'returned', 'returned', 'finished']);
    const started = events[0];
    expect(started).toMatchObject({ type: 'started', jid: outcome.jid, minions: ['a', 'b', 'c'], load: { fun: 'cmd.run', arg: ['echo hi'], user: 'tester' } });
    expect(loadAtStart).toMatchObject({ load: { jid: outcome.jid, fun: 'cmd.run' }, minions: ['a', 'b', 'c'] });
    const returned = events.filter((event) => event.type === 'returned');
    expect(returned.map((event) => event.ret.id).sort()).toEqual(['a', 'b', 'c']);
    for (const event of returned) expect(event).toMatchObject({ isCommitted: true, ret: { return: 'hi', retcode: 0, success: true } });
    expect(events.at(-1)).toEqual({ type: 'finished', outcome });
    expect(outcome).toMatchObject({ exitCode: 0, wasInterrupted: false, uncommitted: [], minions: ['a', 'b', 'c'] });
    expect([...outcome.returns.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(await fixture.cache.getJob(outcome.jid)).toMatchObject({ endedAt: expect.any(Number) as number });
  });

  it('commits each return to the job cache before its returned event', async () => {
    const seen: Array<{ id: string; cached: unknown }> = [];
    await runJob(await jobRequest('cmd.run', ['echo cached'], [localTarget('a'), localTarget('b')]), fixture.context(), {
      hooks: {
        onReturned: async ({ jid, ret }) => {
          const cached = await fixture.cache.getJid(jid);
          seen.push({ id: ret.id, cached: cached[ret.id] });
        },
      },
    });
    expect(seen).toHaveLength(2);
    for (const { id, cached } of seen) expect(cached).toMatchObject({ id, return: 'cached', retcode: 0 });
  });

  it('exits 20 when a command fails, 69 when a host is only unreachable, 0 when every host returns retcode 0', async () => {
    const failing = await runJob(await jobRequest('cmd.retcode', ['exit 3'], [localTarget('a')]), fixture.context());
    expect(failing.exitCode).toBe(20);
    expect(failing.returns.get('a')).toEqual({ retcode: 3, success: false });
    const refused = await runJob(await jobRequest('test.ping', [], [localTarget('a'), localTarget('gone', 'ssh')]), fixture.context({
      local: () => Promise.resolve(localTransport),
      ssh: () => Promise.reject(new Error('no route to gone')),
    }));
    expect(refused.exitCode).toBe(69);
    expect(refused.returns.get('gone')).toEqual({ retcode: 255, success: false });
    const ok = await runJob(await jobRequest('test.ping', [], [localTarget('a')]), fixture.context());
    expect(ok.exitCode).toBe(0);
  });

  it('draws targets from an async iterable while the job runs, and records every host it drew when it ends', async () => {
    let releaseSecond!: () => void;
    const secondMayCome = new Promise<void>((resolve) => (releaseSecond = resolve));
    const targets = fedTargets(['q1', 'q2', 'q3'], (index) => (index === 1 ? secondMayCome : Promise.resolve()));
    const { events, hooks } = recorder();
    const outcome = await runJob(await jobRequest('test.ping', [], targets), fixture.context(), {
      hooks: {
        ...hooks,
        onReturned: (event) => {
          void hooks.onReturned?.(event);
          // q2 is only fed once q1 has returned: the queue feeds a job that is already running.
          if (event.ret.id === 'q1') releaseSecond();
        },
      },
    });
    expect(events[0]).toMatchObject({ type: 'started', minions: [] });
    expect(events.filter((event) => event.type === 'returned').map((event) => event.ret.id)[0]).toBe('q1');
    expect(outcome).toMatchObject({ exitCode: 0, minions: ['q1', 'q2', 'q3'] });
    expect(await fixture.cache.getJob(outcome.jid)).toMatchObject({ minions: ['q1', 'q2', 'q3'] });
    expect(Object.keys(await fixture.cache.getJid(outcome.jid)).sort()).toEqual(['q1', 'q2', 'q3']);
  });

  it('keeps a hook-held host slot taken, so a slow consumer slows the fan-out instead of piling up returns', async () => {
    let isFirstSettled = false;
    const targets = fedTargets(['s1', 's2'], (index) => {
      if (index === 1) expect(isFirstSettled).toBe(true);
      return Promise.resolve();
    });
    await runJob(await jobRequest('test.ping', [], targets, { maxProcs: 1 }), fixture.context(), {
      hooks: {
        onReturned: async ({ jid }) => {
          // a consumer doing I/O: it settles a macrotask later than the return was committed
          await fixture.cache.getJid(jid);
          await new Promise((resolve) => setImmediate(resolve));
          isFirstSettled = true;
        },
      },
    });
    expect(isFirstSettled).toBe(true);
  });

  it('on abort keeps what arrived, drops the hosts it cut off, marks the job interrupted and exits 130', async () => {
    const controller = new AbortController();
    const { events, hooks } = recorder();
    const outcome = await runJob(
      await jobRequest('test.ping', [], [localTarget('fast'), localTarget('stuck', 'ssh'), localTarget('queued', 'ssh')], { maxProcs: 2 }),
      fixture.context({ local: () => Promise.resolve(localTransport), ssh: () => Promise.resolve(hangingTransport) }),
      {
        signal: controller.signal,
        hooks: {
          ...hooks,
          onReturned: (event) => {
            void hooks.onReturned?.(event);
            controller.abort();
          },
        },
      },
    );
    expect(events.map((event) => event.type)).toEqual(['started', 'returned', 'finished']);
    expect(outcome).toMatchObject({ exitCode: 130, wasInterrupted: true, minions: ['fast', 'stuck', 'queued'] });
    expect([...outcome.returns.keys()]).toEqual(['fast']);
    expect(await fixture.cache.getJob(outcome.jid)).toMatchObject({ interrupted: true, endedAt: expect.any(Number) as number });
    expect(Object.keys(await fixture.cache.getJid(outcome.jid))).toEqual(['fast']);
  });

  it('stops drawing from an async iterable that waits forever once aborted', async () => {
    const controller = new AbortController();
    const never = new Promise<void>(() => {});
    const outcome = await runJob(
      await jobRequest('test.ping', [], fedTargets(['w1', 'w2'], (index) => (index === 1 ? never : Promise.resolve()))),
      fixture.context(),
      { signal: controller.signal, hooks: { onReturned: () => controller.abort() } },
    );
    expect(outcome).toMatchObject({ exitCode: 130, wasInterrupted: true, minions: ['w1'] });
  });

  it('rethrows a failing hook once the job has ended, with every host still committed', async () => {
    let jid = '';
    const failing = runJob(await jobRequest('test.ping', [], [localTarget('a'), localTarget('b')]), fixture.context(), {
      hooks: {
        onStarted: (event) => void (jid = event.jid),
        onReturned: () => {
          throw new Error('consumer broke');
        },
      },
    });
    await expect(failing).rejects.toThrow('consumer broke');
    expect(Object.keys(await fixture.cache.getJid(jid)).sort()).toEqual(['a', 'b']);
    expect(await fixture.cache.getJob(jid)).toMatchObject({ endedAt: expect.any(Number) as number });
  });
});
