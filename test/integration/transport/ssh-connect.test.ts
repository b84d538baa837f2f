import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { TransportError, type ConnectOptions, type HostTarget } from '../../../src/transport/types.js';
import { closedPort, startHangServer, startSshd, type HangServer, type SshdHarness } from '../../helpers/sshd.js';
import { startSshAgent, type SshAgent } from '../../helpers/ssh-agent.js';

let sshd: SshdHarness;
let hang: HangServer;
let agent: SshAgent;
let strangerKey: string;
const transport = createSshTransport();
const noHostKeys: ConnectOptions = { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent/known_hosts' } };

beforeAll(async () => {
  [sshd, hang] = await Promise.all([startSshd(), startHangServer()]);
  strangerKey = join(sshd.dir, 'id_stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
  agent = await startSshAgent(sshd.dir, [sshd.clientKey]);
});
afterAll(async () => {
  await agent?.stop();
  await hang?.close();
  await sshd?.stop();
});

/** Connects, runs `id -un`, closes; returns the user name. */
async function loginAs(target: HostTarget, options: ConnectOptions = noHostKeys): Promise<string> {
  const session = await transport.connect(target, options);
  try {
    return (await session.exec('id -un', { timeoutMs: 10_000 })).stdout.trim();
  } finally {
    session.close();
  }
}

async function failure(target: HostTarget, options: ConnectOptions = noHostKeys): Promise<TransportError> {
  const err: unknown = await transport.connect(target, options).then(
    (s) => {
      s.close();
      return new Error('connected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('ssh connect failures', () => {
  it('reports a refused port as ssh does', async () => {
    const port = await closedPort();
    const err = await failure(sshd.target({ port }));
    expect(err.reason).toBe('refused');
    expect(err.message).toBe(`ssh: connect to host 127.0.0.1 port ${port}: Connection refused`);
  });

  it('times out a host that never sends a banner, with salt/OpenSSH wording', async () => {
    const err = await failure(sshd.target({ port: hang.port, connectTimeoutSec: 1 }));
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe(
      `Connection timed out during banner exchange\nConnection to 127.0.0.1 port ${hang.port} timed out`,
    );
  });

  it('does not let a hanging host stall another host', async () => {
    const events: string[] = [];
    const hanging = failure(sshd.target({ port: hang.port, connectTimeoutSec: 3 })).then((e) => events.push(`hang:${e.reason}`));
    const good = loginAs(sshd.target()).then((user) => events.push(`good:${user}`));
    await Promise.all([hanging, good]);
    expect(events).toEqual([`good:${sshd.user}`, 'hang:timeout']);
  });

  it('gives up on an aborted connect', async () => {
    const controller = new AbortController();
    const pending = failure(sshd.target({ port: hang.port, connectTimeoutSec: 30 }), { ...noHostKeys, signal: controller.signal });
    controller.abort();
    const err = await pending;
    expect(err.reason).toBe('closed');
    expect(err.message).toContain(`127.0.0.1 port ${hang.port}`);
  });

  it('reports an unauthorized key as Permission denied (publickey)', async () => {
    const err = await failure(sshd.target({ priv: strangerKey }));
    expect(err.reason).toBe('auth');
    expect(err.message).toBe(`${sshd.user}@127.0.0.1: Permission denied (publickey).`);
  });
});

describe('ssh authentication', () => {
  it('logs in with the unencrypted key', async () => {
    expect(await loginAs(sshd.target())).toBe(sshd.user);
  });

  it('logs in with an encrypted key and its priv_passwd', async () => {
    expect(await loginAs(sshd.target({ priv: sshd.encryptedClientKey, privPasswd: sshd.passphrase }))).toBe(sshd.user);
  });

  it('names the key file when the passphrase is wrong or missing', async () => {
    const wrong = await failure(sshd.target({ priv: sshd.encryptedClientKey, privPasswd: 'not-it' }));
    expect(wrong.reason).toBe('auth');
    expect(wrong.message).toContain(`key file ${sshd.encryptedClientKey} could not be decrypted: wrong priv_passwd`);
    expect(wrong.message).not.toContain('\n');
    const missing = await failure(sshd.target({ priv: sshd.encryptedClientKey }));
    expect(missing.reason).toBe('auth');
    expect(missing.message).toContain(`key file ${sshd.encryptedClientKey} is encrypted and no priv_passwd was given`);
  });

  it('falls back to the password when the key is refused', async () => {
    expect(sshd.password).toBeDefined();
    const target = sshd.target({ priv: strangerKey, passwd: sshd.password ?? '' });
    expect(await loginAs(target)).toBe(sshd.user);
  });

  it('logs in with a password alone and lists the methods tried when it is wrong', async () => {
    const { priv: _priv, ...withoutKey } = sshd.target();
    expect(await loginAs({ ...withoutKey, passwd: sshd.password ?? '' })).toBe(sshd.user);
    const passwordOnly = await failure({ ...withoutKey, passwd: 'wrong-password' });
    expect(passwordOnly.reason).toBe('auth');
    expect(passwordOnly.message).toBe(`${sshd.user}@127.0.0.1: Permission denied (password).`);
    const both = await failure(sshd.target({ priv: strangerKey, passwd: 'wrong-password' }));
    expect(both.message).toBe(`${sshd.user}@127.0.0.1: Permission denied (publickey,password).`);
  });

  it('logs in through ssh-agent when the key file is refused or absent', async () => {
    const { priv: _priv, ...withoutKey } = sshd.target();
    const viaAgent = { ...noHostKeys, agentSocket: agent.socket };
    expect(await loginAs(withoutKey, viaAgent)).toBe(sshd.user);
    expect(await loginAs(sshd.target({ priv: strangerKey }), viaAgent)).toBe(sshd.user);
  });

  it('skips the agent with identities_only when a key file is given', async () => {
    const err = await failure(sshd.target({ priv: strangerKey, identitiesOnly: true }), {
      ...noHostKeys,
      agentSocket: agent.socket,
    });
    expect(err.reason).toBe('auth');
  });

  it('moves past an agent socket that does not exist', async () => {
    const options = { ...noHostKeys, agentSocket: join(sshd.dir, 'no-such-agent.sock') };
    expect(await loginAs(sshd.target(), options)).toBe(sshd.user);
    const { priv: _priv, ...withoutKey } = sshd.target();
    expect(await loginAs({ ...withoutKey, passwd: sshd.password ?? '' }, options)).toBe(sshd.user);
  });
});
