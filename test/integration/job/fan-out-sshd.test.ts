/**
 * The job's fan-out over the real sshd: a host whose handshake timed out after TCP connected is tried
 * once more before it is reported; the adaptive fan-out answers every host and tells its concurrency.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger, MessageLevel } from '../../../src/core/log.js';
import { runJob } from '../../../src/job/run-job.js';
import type { JobContext } from '../../../src/job/types.js';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { startLatencyProxy, type LatencyProxy } from '../../helpers/latency-proxy.js';
import { startHangServer, startSshd, type HangServer, type SshdHarness } from '../../helpers/sshd.js';
import { jobRequest, openFixture, type JobFixture } from '../../unit/job/job-fixture.js';

let sshd: SshdHarness;
let hang: HangServer;
/** In front of the silent port, to count the connections made to it. */
let counter: LatencyProxy;
let fixture: JobFixture;

beforeAll(async () => {
  [sshd, hang] = await Promise.all([startSshd(), startHangServer()]);
  counter = await startLatencyProxy({ targetPort: hang.port, oneWayDelayMs: 0, emulateTcpHandshake: false });
});
afterAll(async () => {
  await counter?.close();
  await hang?.close();
  await sshd?.stop();
});
beforeEach(() => {
  fixture = openFixture();
});
afterEach(async () => {
  await fixture.close();
});

function sshContext(log?: Logger): JobContext {
  return { ...fixture.context({ ssh: () => Promise.resolve(createSshTransport()) }), ...(log === undefined ? {} : { log }) };
}

function debugLines(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const write = (level: MessageLevel, message: string) => void (level === 'debug' && lines.push(message));
  const log: Logger = {
    isEnabled: (level) => level === 'debug' || level === 'info' || level === 'warning' || level === 'error',
    log: write,
    error: (m) => write('error', m),
    warning: (m) => write('warning', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    trace: () => undefined,
  };
  return { log, lines };
}

describe('fan-out over sshd', () => {
  it('tries a host whose banner never came once more, then reports it timed out beside the good host', async () => {
    const before = counter.accepted();
    const { log, lines } = debugLines();
    const targets = [sshd.target({ id: 'silent', port: counter.port, connectTimeoutSec: 1 }), sshd.target({ id: 'good' })];
    const started = Date.now();
    const outcome = await runJob(await jobRequest('test.ping', [], targets, { maxProcs: 4 }), sshContext(log));
    const ms = Date.now() - started;
    expect(counter.accepted() - before).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(outcome.returns.get('good')).toEqual({ retcode: 0, success: true });
    expect(outcome.returns.get('silent')).toEqual({ retcode: 255, success: false });
    const cached = await fixture.cache.getJid(outcome.jid);
    expect(cached['silent']).toMatchObject({ return: { _error: 'Connection timed out', retcode: 255 } });
    expect(lines).toContain('silent: handshake timed out after TCP connected; trying once more at lower concurrency');
    expect(outcome.minions).toEqual(['silent', 'good']);
  });

  it('runs adaptive by default for the CLI: every host answers, the concurrency is told and its changes logged', async () => {
    const { log, lines } = debugLines();
    const targets = Array.from({ length: 40 }, (_, i) => sshd.target({ id: `node${i + 1}` }));
    const limits: number[] = [];
    const outcome = await runJob(
      await jobRequest('cmd.run', ['echo up'], targets, { maxProcs: 200, isAdaptive: true }),
      sshContext(log),
      { hooks: { onConcurrency: ({ limit }) => void limits.push(limit) } },
    );
    expect(outcome.exitCode).toBe(0);
    expect(outcome.returns.size).toBe(40);
    expect(limits[0]).toBe(32);
    expect(lines[0]).toBe('fan-out: adaptive, 32 handshakes at once to start, at most 200 hosts in flight');
    // 40 hosts, starting at 32 handshakes at once: the limit moves and each move is a debug line
    const moves = lines.filter((line) => line.startsWith('fan-out: handshakes at once '));
    expect(moves.length).toBe(limits.length - 1);
    if (moves[0] !== undefined) expect(moves[0]).toMatch(/^fan-out: handshakes at once 32 -> \d+: handshake latency \d+ ms/);
  });
});
