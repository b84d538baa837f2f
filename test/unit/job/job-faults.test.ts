/** What the job does when a transport or the cache fails: every failure is a host's return or a named cache error. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '../../../src/job/run-job.js';
import type { HostReturned } from '../../../src/job/types.js';
import { CacheError } from '../../../src/errors.js';
import { localTransport } from '../../../src/transport/local.js';
import { TransportError, type ExecOptions, type Transport } from '../../../src/transport/types.js';
import { jobRequest, localTarget, openFixture, type JobFixture } from './job-fixture.js';

let fixture: JobFixture;
beforeEach(() => {
  fixture = openFixture();
});
afterEach(async () => {
  await fixture.close();
});

const withFake = (ssh: Transport) => ({ local: () => Promise.resolve(localTransport), ssh: () => Promise.resolve(ssh) });

describe('job faults', () => {
  it('turns a transport that throws on connect or exec into that host error return, and the others run', async () => {
    const throwing: Transport = {
      connect(target) {
        if (target.id === 'refused') return Promise.reject(new TransportError('refused', 'ssh: connect to host refused port 22: Connection refused'));
        return Promise.resolve({ exec: () => Promise.reject(new Error('channel open failed')), close() {} });
      },
    };
    const returned: HostReturned[] = [];
    const outcome = await runJob(
      await jobRequest('test.ping', [], [localTarget('ok'), localTarget('refused', 'ssh'), localTarget('broken', 'ssh')]),
      fixture.context(withFake(throwing)),
      { hooks: { onReturned: (event) => void returned.push(event) } },
    );
    // every failure here is SSH-level (retcode 255): unreachable, not a command that failed
    expect(outcome.exitCode).toBe(69);
    const byId = Object.fromEntries(returned.map((event) => [event.ret.id, event.ret]));
    expect(byId.ok).toMatchObject({ return: true, retcode: 0 });
    expect(byId.refused).toMatchObject({ retcode: 255, success: false, return: { _error: 'Connection refused', stderr: 'ssh: connect to host refused port 22: Connection refused' } });
    expect(byId.broken).toMatchObject({ retcode: 255, return: { _error: 'The function failed', stderr: 'channel open failed' } });
    expect(Object.keys(await fixture.cache.getJid(outcome.jid)).sort()).toEqual(['broken', 'ok', 'refused']);
  });

  it('names an unknown connection in the host error, listing the valid ones', async () => {
    const target = { ...localTarget('odd'), connection: 'telnet' as 'ssh' };
    const returned: HostReturned[] = [];
    await runJob(await jobRequest('test.ping', [], [target]), fixture.context(), { hooks: { onReturned: (event) => void returned.push(event) } });
    expect(returned[0]?.ret.return).toMatchObject({ stderr: "connection: unknown transport 'telnet' (valid: local)" });
  });

  it('passes the output cap, host-key warnings and sudo to the transport, and commits a huge return whole', async () => {
    const huge = 'x'.repeat(8 * 1024 * 1024);
    const seen: { options?: ExecOptions; command?: string } = {};
    const fake: Transport = {
      connect(_target, options) {
        options.warn?.("Warning: Permanently added '[fake]:22' (ED25519) to the list of known hosts.");
        return Promise.resolve({
          exec(command, execOptions) {
            seen.command = command;
            seen.options = execOptions;
            return Promise.resolve({ stdout: huge, stderr: '', exitCode: 0, timedOut: false });
          },
          close() {},
        });
      },
    };
    const warnings: string[] = [];
    const request = await jobRequest('cmd.run', ['yes'], [{ ...localTarget('big', 'ssh'), sudo: true }], {
      maxOutputBytes: 4096,
      connect: { hostKeys: { mode: 'ignore', knownHostsFile: '/nonexistent' }, warn: (line) => void warnings.push(line) },
    });
    const outcome = await runJob(request, fixture.context(withFake(fake)));
    expect(warnings).toEqual(["Warning: Permanently added '[fake]:22' (ED25519) to the list of known hosts."]);
    expect(seen.options?.maxOutputBytes).toBe(4096);
    expect(seen.command).toMatch(/^sudo -n -- \/bin\/sh -c /);
    expect((await fixture.cache.getJid(outcome.jid)).big?.return).toHaveLength(huge.length);
  });

  it('caps a real runaway command over the local transport with the truncation line', async () => {
    const outcome = await runJob(await jobRequest('cmd.run', ['head -c 300000 /dev/zero | tr "\\0" a'], [localTarget('loud')], { maxOutputBytes: 65536 }), fixture.context());
    const stored = (await fixture.cache.getJid(outcome.jid)).loud?.return as string;
    expect(stored).toMatch(/\[brine: output truncated: \d+ bytes dropped\]/);
    expect(stored.length).toBeLessThan(70_000);
  });

  it('reports returns that could not be committed, names the hosts, and still ends the job', async () => {
    const context = fixture.context();
    const cache = context.cache;
    context.cache = Object.assign(Object.create(cache) as typeof cache, {
      saveReturn: (ret: Parameters<typeof cache.saveReturn>[0], forwardTo?: Parameters<typeof cache.saveReturn>[1]) =>
        ret.id === 'full' ? Promise.reject(new CacheError('job cache /x/jobs.sqlite: database or disk is full')) : cache.saveReturn(ret, forwardTo),
    });
    const returned: HostReturned[] = [];
    const outcome = await runJob(await jobRequest('test.ping', [], [localTarget('fits'), localTarget('full')]), context, {
      hooks: { onReturned: (event) => void returned.push(event) },
    });
    expect(returned.find((event) => event.ret.id === 'full')).toMatchObject({ isCommitted: false });
    expect(returned.find((event) => event.ret.id === 'fits')).toMatchObject({ isCommitted: true });
    expect(outcome.uncommitted).toEqual(['full']);
    expect(outcome.cacheError?.message).toBe('job cache /x/jobs.sqlite: database or disk is full; returns not committed for 1 of 2 hosts: full');
    expect(outcome.exitCode).toBe(0);
    expect(await cache.getJob(outcome.jid)).toMatchObject({ endedAt: expect.any(Number) as number });
  });
});
