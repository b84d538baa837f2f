/**
 * ProxyJump / ProxyCommand over real sshds. The jump and target sshds run inside a network namespace
 * this file creates, each on the namespace's own 127.0.0.1: the target is reachable only from the jump
 * host's side. This namespace reaches the jump host through a bridge port on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { TransportError, type ConnectOptions, type HostTarget } from '../../../src/transport/types.js';
import { createNetns, startNetnsBridge, type Netns, type NetnsBridge } from '../../helpers/netns.js';
import { closedPort, startHangServer, startSshd, type SshdHarness } from '../../helpers/sshd.js';

let ns: Netns | undefined;
let jump: SshdHarness | undefined;
let target: SshdHarness | undefined;
let bridge: NetnsBridge | undefined;

beforeAll(async () => {
  ns = await createNetns();
  [jump, target] = await Promise.all([startSshd({ netns: ns.name }), startSshd({ netns: ns.name })]);
  bridge = await startNetnsBridge(ns.name, jump.port);
});
afterAll(async () => {
  await bridge?.close();
  await Promise.all([jump?.stop(), target?.stop()]);
  await ns?.remove();
});

const env = () => {
  if (!ns || !jump || !target || !bridge) throw new Error('beforeAll did not finish');
  return { ns, jump, target, bridge };
};

/** The jump host as seen from here: the bridge port. */
function bastion(overrides: Partial<HostTarget> = {}): HostTarget {
  const { jump, bridge } = env();
  return jump.target({ id: 'bastion', port: bridge.port, ...overrides });
}

function web1(overrides: Partial<HostTarget> = {}): HostTarget {
  return env().target.target({ id: 'web1', jumpHosts: [bastion()], ...overrides });
}

/** A known_hosts file listing `[127.0.0.1]:port key` for each entry. */
function knownHosts(entries: [port: number, key: string][]): string {
  const file = join(env().jump.dir, `known_hosts-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, entries.map(([port, key]) => `[127.0.0.1]:${port} ${key}\n`).join(''));
  return file;
}

/** Both hosts' keys under the names a jumped connection checks: the bridge port and the target's port. */
function bothKnown(): string {
  const { jump, target, bridge } = env();
  return knownHosts([
    [bridge.port, jump.hostPublicKey],
    [target.port, target.hostPublicKey],
  ]);
}

function strict(knownHostsFile: string): ConnectOptions {
  return { hostKeys: { mode: 'strict', knownHostsFile } };
}

/** Connects, runs `whoami`, closes; resolves the user or the TransportError. */
async function whoami(host: HostTarget, options: ConnectOptions): Promise<string | TransportError> {
  try {
    const session = await createSshTransport().connect(host, options);
    try {
      return (await session.exec('whoami', { timeoutMs: 10_000 })).stdout.trim();
    } finally {
      session.close();
    }
  } catch (err) {
    if (err instanceof TransportError) return err;
    throw err;
  }
}

describe('ssh through jump hosts, to a host in a network namespace', () => {
  it('cannot reach the target directly: it is only on the jump host side', async () => {
    const result = await whoami(web1({ jumpHosts: [] }), strict(bothKnown()));
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).reason).toBe('refused');
  });

  it('reaches the target through one ProxyJump hop, checking both host keys, and closes the hop with the session', async () => {
    expect(await whoami(web1(), strict(bothKnown()))).toBe(env().target.user);
    await env().bridge.whenIdle();
  });

  it('reaches the target through a two-hop chain', async () => {
    const { jump, target, bridge } = env();
    // Hop 2 is the jump host again, at its own address inside the namespace, which only hop 1 can reach.
    const hop2 = jump.target({ id: 'inner' });
    const file = knownHosts([
      [bridge.port, jump.hostPublicKey],
      [jump.port, jump.hostPublicKey],
      [target.port, target.hostPublicKey],
    ]);
    expect(await whoami(web1({ jumpHosts: [bastion(), hop2] }), strict(file))).toBe(target.user);
    await bridge.whenIdle();
  });

  it('reaches the target through a ProxyCommand (ssh -W via the jump host) and ends the command on close', async () => {
    const { jump, target, bridge } = env();
    const command = proxyThroughJump(`127.0.0.1:${target.port}`);
    expect(await whoami(target.target({ id: 'web1', proxyCommand: command }), strict(bothKnown()))).toBe(target.user);
    await bridge.whenIdle();
    expect(jump.user).not.toBe(target.user);
  });

  it("puts a failing ProxyCommand's stderr in the host's error", async () => {
    const { target } = env();
    const command = proxyThroughJump(`127.0.0.1:${await unusedPortInNamespace()}`);
    const result = await whoami(target.target({ id: 'web1', proxyCommand: command }), strict(bothKnown()));
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).reason).toBe('refused');
    expect((result as TransportError).message).toMatch(/\(ProxyCommand exit status 255: .*Connection refused.*\)$/);
  });

  it('refuses a changed target host key behind the jump host, naming the target', async () => {
    const { target, bridge } = env();
    const before = bothKnown();
    await target.swapHostKey();
    const result = await whoami(web1(), strict(before));
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).reason).toBe('hostkey-changed');
    expect((result as TransportError).message).toMatch(new RegExp(`^Host key for \\[127\\.0\\.0\\.1\\]:${target.port} has changed`));
    await bridge.whenIdle();
    expect(await whoami(web1(), strict(bothKnown()))).toBe(target.user);
  });

  it('refuses an unknown jump host key in strict mode, naming the hop', async () => {
    const { target, bridge } = env();
    const result = await whoami(web1(), strict(knownHosts([[target.port, target.hostPublicKey]])));
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).reason).toBe('hostkey-unknown');
    expect((result as TransportError).message).toMatch(
      new RegExp(`^jump host bastion \\(127\\.0\\.0\\.1:${bridge.port}\\): Host key for \\[127\\.0\\.0\\.1\\]:${bridge.port} is not in`),
    );
  });

  it("uses each hop's own host-key policy and known_hosts files", async () => {
    const { jump, target, bridge } = env();
    const jumpFile = knownHosts([]);
    const targetFile = knownHosts([[target.port, target.hostPublicKey]]);
    const host = web1({
      knownHostsFiles: [targetFile],
      jumpHosts: [bastion({ hostKeyMode: 'ignore', knownHostsFiles: [jumpFile] })],
    });
    // The run's own file is empty and strict: only the hosts' own settings let this through.
    expect(await whoami(host, strict(knownHosts([])))).toBe(target.user);
    expect(readFileSync(jumpFile, 'utf8')).toBe(`[127.0.0.1]:${bridge.port} ${jump.hostPublicKey}\n`);
  });

  it('records and checks the target key under its HostKeyAlias', async () => {
    const { jump, target, bridge } = env();
    const file = knownHosts([[bridge.port, jump.hostPublicKey]]);
    expect(await whoami(web1({ hostKeyAlias: 'web1.alias', hostKeyMode: 'ignore' }), strict(file))).toBe(target.user);
    expect(readFileSync(file, 'utf8')).toContain(`\nweb1.alias ${target.hostPublicKey}\n`);
    expect(await whoami(web1({ hostKeyAlias: 'web1.alias' }), strict(file))).toBe(target.user);

    // Under the alias the target must present the alias's key, whatever its address's entry says.
    const wrong = knownHosts([[bridge.port, jump.hostPublicKey]]);
    writeFileSync(wrong, `${readFileSync(wrong, 'utf8')}web1.alias ${jump.hostPublicKey}\n[127.0.0.1]:${target.port} ${target.hostPublicKey}\n`);
    const result = await whoami(web1({ hostKeyAlias: 'web1.alias' }), strict(wrong));
    expect((result as TransportError).reason).toBe('hostkey-changed');
    expect((result as TransportError).message).toMatch(/^Host key for web1\.alias has changed/);
  });

  it('reports a refused jump host under its own name, with the reason _error shows', async () => {
    const port = await closedPort();
    const result = await whoami(web1({ jumpHosts: [bastion({ port })] }), strict(bothKnown()));
    expect((result as TransportError).reason).toBe('refused');
    expect((result as TransportError).message).toBe(
      `jump host bastion (127.0.0.1:${port}): ssh: connect to host 127.0.0.1 port ${port}: Connection refused`,
    );
  });

  it('reports a target the last hop cannot reach under that hop', async () => {
    const { bridge } = env();
    const port = await unusedPortInNamespace();
    const result = await whoami(web1({ port }), strict(bothKnown()));
    expect((result as TransportError).reason).toBe('refused');
    expect((result as TransportError).message).toMatch(
      new RegExp(`^jump host bastion \\(127\\.0\\.0\\.1:${bridge.port}\\): channel to 127\\.0\\.0\\.1 port ${port}: .*refused`, 'i'),
    );
    await bridge.whenIdle();
  });

  it('logs in with an IdentityFile tried after a priv that cannot be used', async () => {
    const { jump, bridge } = env();
    const host = bastion({ priv: join(jump.dir, 'no-such-key'), identityFiles: [join(jump.dir, 'also-missing'), jump.clientKey] });
    expect(await whoami(host, strict(knownHosts([[bridge.port, jump.hostPublicKey]])))).toBe(jump.user);
  });

  it("spends the target's connect timeout on the whole chain", async () => {
    const hang = await startHangServer();
    try {
      const started = Date.now();
      const host = web1({ connectTimeoutSec: 1, jumpHosts: [bastion({ port: hang.port, connectTimeoutSec: 30 })] });
      const result = await whoami(host, strict(bothKnown()));
      expect((result as TransportError).reason).toBe('timeout');
      expect((result as TransportError).message).toMatch(/^jump host bastion .*timed out/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await hang.close();
    }
  });

  it('drops a connection whose server went silent after ServerAliveInterval × (ServerAliveCountMax + 1)', async () => {
    const { ns, jump } = env();
    const bridge = await startNetnsBridge(ns.name, jump.port); // its own, to freeze
    const host = jump.target({ id: 'bastion', port: bridge.port, serverAliveIntervalSec: 1, serverAliveCountMax: 2 });
    const session = await createSshTransport().connect(host, strict(knownHosts([[bridge.port, jump.hostPublicKey]])));
    try {
      expect((await session.exec('true', { timeoutMs: 10_000 })).exitCode).toBe(0);
      bridge.freeze();
      const started = Date.now();
      const outcome = await session.exec('sleep 60', { timeoutMs: 60_000 }).catch((err: unknown) => err);
      const elapsed = Date.now() - started;
      expect(outcome instanceof TransportError || (outcome as { connectionLost?: boolean }).connectionLost).toBe(true);
      // ssh2, like ssh, gives up on the (CountMax+1)th unanswered interval; the freeze came up to one interval after the last answer.
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(3 * 1000 + 1500);
    } finally {
      session.close();
      await bridge.close();
    }
  });
});

/** `ssh -W` through the jump host: the ProxyCommand an operator writes for a bastion. */
function proxyThroughJump(destination: string): string {
  const { jump, bridge } = env();
  const file = knownHosts([[bridge.port, jump.hostPublicKey]]);
  return [
    'exec ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${file} -i ${jump.clientKey} -p ${bridge.port} -W ${destination} ${jump.user}@127.0.0.1`,
  ].join(' ');
}

/** A port nothing listens on inside the namespace: only the two sshds run there. */
async function unusedPortInNamespace(): Promise<number> {
  const { jump, target } = env();
  for (;;) {
    const port = await closedPort();
    if (port !== jump.port && port !== target.port) return port;
  }
}
