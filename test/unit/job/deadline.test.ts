/** `deadlineSec`: an abort reason of its own, told apart from a signal, that returns the unfinished hosts as timed out. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobExitCode } from '../../../src/job/exit-code.js';
import { runJob } from '../../../src/job/run-job.js';
import type { HostReturned } from '../../../src/job/types.js';
import { localTransport } from '../../../src/transport/local.js';
import { hangingTransport, jobRequest, localTarget, openFixture, type JobFixture } from './job-fixture.js';

let fixture: JobFixture;
beforeEach(() => {
  fixture = openFixture();
});
afterEach(async () => {
  await fixture.close();
});

const withHanging = { local: () => Promise.resolve(localTransport), ssh: () => Promise.resolve(hangingTransport) };
const targets = () => [localTarget('fast'), localTarget('hung', 'ssh'), localTarget('queued', 'ssh')];

describe('job deadline', () => {
  it('returns the cut host and the never-contacted one as timed out, marks the job and exits 124', async () => {
    const returned: HostReturned[] = [];
    const outcome = await runJob(await jobRequest('test.ping', [], targets(), { maxProcs: 1 }), fixture.context(withHanging), {
      deadlineSec: 0.2,
      hooks: { onReturned: (event) => void returned.push(event) },
    });
    expect(outcome.exitCode).toBe(124);
    expect(outcome.wasInterrupted).toBe(false);
    expect(outcome.deadline).toEqual({ seconds: 0.2, unfinished: ['hung', 'queued'] });
    expect(returned.map((event) => event.ret.id)).toEqual(['fast', 'hung', 'queued']);
    const cached = await fixture.cache.getJid(outcome.jid);
    expect(cached.hung).toMatchObject({ retcode: 124, success: false, return: { _error: 'Run deadline of 0.2 seconds passed', retcode: 124 } });
    expect(cached.queued?.return).toEqual({ _error: 'Run deadline of 0.2 seconds passed before the host was contacted', stdout: '', stderr: '', retcode: 124 });
    const job = await fixture.cache.getJob(outcome.jid);
    expect(job?.deadlinePassed).toBe(true);
    expect(job?.interrupted).toBeUndefined();
    expect(job?.endedAt).toBeTypeOf('number');
  });

  it('a signal before the deadline is an interrupt: no timed-out returns, no deadline mark', async () => {
    const controller = new AbortController();
    const outcome = await runJob(await jobRequest('test.ping', [], targets(), { maxProcs: 1 }), fixture.context(withHanging), {
      deadlineSec: 600,
      signal: controller.signal,
      hooks: { onReturned: ({ ret }) => void (ret.id === 'fast' && controller.abort()) },
    });
    expect(outcome.exitCode).toBe(130);
    expect(outcome.deadline).toBeUndefined();
    expect([...outcome.returns.keys()]).toEqual(['fast']);
    const job = await fixture.cache.getJob(outcome.jid);
    expect(job?.interrupted).toBe(true);
    expect(job?.deadlinePassed).toBeUndefined();
  });
});

describe('jobExitCode', () => {
  const ret = (retcode: number) => ({ retcode, success: retcode === 0 });
  it('tells unreachable (69) from failed (20); a mixed run is 20; deadline 124 and interrupt 130 come first', () => {
    expect(jobExitCode(new Map([['a', ret(0)], ['b', ret(255)]]), 2, false)).toBe(69);
    expect(jobExitCode(new Map([['a', ret(0)], ['b', ret(1)]]), 2, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret(255)], ['b', ret(1)]]), 2, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret(124)]]), 1, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret(124)]]), 1, { wasInterrupted: false, hasPassedDeadline: true })).toBe(124);
    expect(jobExitCode(new Map([['a', ret(0)]]), 2, { wasInterrupted: true, hasPassedDeadline: true })).toBe(130);
  });
});
