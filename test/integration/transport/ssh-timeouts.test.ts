/**
 * OpenSSH's ConnectTimeout semantics over the real sshd behind a latency proxy: the connect timeout
 * covers TCP and the banner only; key exchange and authentication have their own, progress-based budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { TransportError, type ConnectOptions, type HostTarget, type Transport } from '../../../src/transport/types.js';
import { startLatencyProxy, type LatencyProxy } from '../../helpers/latency-proxy.js';
import { startHangServer, startSshd, type HangServer, type SshdHarness } from '../../helpers/sshd.js';

let sshd: SshdHarness;
let hang: HangServer;
let slowAfterBanner: LatencyProxy;
let silentAfterBanner: LatencyProxy;
let lab: LatencyProxy;
const noHostKeys: ConnectOptions = { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent/known_hosts' } };
// a short handshake budget, so the test of a server that goes silent after its banner is quick
const transport = createSshTransport({ handshakeBudget: { idleMs: 1500, maxMs: 60_000 } });

beforeAll(async () => {
  [sshd, hang] = await Promise.all([startSshd(), startHangServer()]);
  [slowAfterBanner, silentAfterBanner, lab] = await Promise.all([
    startLatencyProxy({ targetPort: sshd.port, oneWayDelayMs: 0, slowAfterBanner: 400 }),
    startLatencyProxy({ targetPort: sshd.port, oneWayDelayMs: 0, silentAfterBanner: true }),
    startLatencyProxy({ targetPort: sshd.port, oneWayDelayMs: 150 }),
  ]);
});
afterAll(async () => {
  await Promise.all([slowAfterBanner?.close(), silentAfterBanner?.close(), lab?.close(), hang?.close()]);
  await sshd?.stop();
});

async function timedConnect(target: HostTarget, over: Transport = transport): Promise<{ ms: number; user?: string; error?: TransportError }> {
  const started = Date.now();
  try {
    const session = await over.connect(target, noHostKeys);
    try {
      const user = (await session.exec('id -un', { timeoutMs: 10_000 })).stdout.trim();
      return { ms: Date.now() - started, user };
    } finally {
      session.close();
    }
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return { ms: Date.now() - started, error: err as TransportError };
  }
}

describe('connect timeout: TCP and banner only', () => {
  it('waits out a slow key exchange and login after a fast banner, past the connect timeout', async () => {
    // every server packet after the banner takes 400 ms: the login takes several times the 1 s connect timeout
    const started = Date.now();
    const session = await transport.connect(sshd.target({ port: slowAfterBanner.port, connectTimeoutSec: 1 }), noHostKeys);
    const loginMs = Date.now() - started;
    session.close();
    expect(loginMs).toBeGreaterThan(1000);
  });

  it('fails a port that accepts TCP and never sends a banner at the connect timeout', async () => {
    const result = await timedConnect(sshd.target({ port: hang.port, connectTimeoutSec: 1 }));
    expect(result.error?.reason).toBe('timeout');
    expect(result.error?.stage).toBe('banner');
    expect(result.error?.message).toBe(`Connection timed out during banner exchange\nConnection to 127.0.0.1 port ${hang.port} timed out`);
    expect(result.ms).toBeGreaterThanOrEqual(950);
    expect(result.ms).toBeLessThan(1900);
  });

  it('gives a server that goes silent after its banner the handshake budget, not the connect timeout', async () => {
    const result = await timedConnect(sshd.target({ port: silentAfterBanner.port, connectTimeoutSec: 1 }));
    expect(result.error?.reason).toBe('timeout');
    expect(result.error?.stage).toBe('auth');
    expect(result.error?.message).toBe(`Connection to 127.0.0.1 port ${silentAfterBanner.port} timed out during authentication`);
    expect(result.ms).toBeGreaterThanOrEqual(1450);
    expect(result.ms).toBeLessThan(3000);
  });

  it('logs in over a 300 ms round trip whose banner comes after 2 round trips, with a 1 s connect timeout', async () => {
    const result = await timedConnect(sshd.target({ port: lab.port, connectTimeoutSec: 1 }), createSshTransport());
    expect(result.user).toBe(sshd.user);
    // banner at 600 ms, then key exchange, auth and the command: well past the connect timeout
    expect(result.ms).toBeGreaterThan(1500);
  });
});
