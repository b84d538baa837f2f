import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsh2Internals, keyWithSigner, type KeySigner } from '../../../src/transport/ssh2-internals.js';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';

// These tests pin what src/transport/ssh2-internals.ts relies on: a bump of ssh2 that moves it fails here
// (the version pin and the fallback are in test/unit/transport/ssh2-internals.test.ts).
const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;
type GlobalRequestHandler = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;

let sshd: SshdHarness;
const clients: SshClient[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await sshd?.stop();
});

function clientKey(): ParsedKey {
  const parsed = utils.parseKey(readFileSync(sshd.clientKey));
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** Resolves with `value` when `event` fires, or rejects after `ms`: every wait here has a deadline. */
function within<T>(ms: number, what: string, register: (done: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** A real ssh2 client logging in to the harness sshd (with its client key unless `auth` says otherwise); `afterConnect` runs right after connect(), as ssh.ts does. */
async function login(afterConnect: (client: SshClient) => void, auth?: ConnectConfig): Promise<SshClient> {
  const client = new Client();
  clients.push(client);
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready within 10000 ms')), 10_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
    client.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  client.connect({ host: sshd.host, port: sshd.port, username: sshd.user, ...(auth ?? { privateKey: readFileSync(sshd.clientKey) }) });
  afterConnect(client);
  await ready;
  return client;
}

/** A started command with its output drained: a channel stream only closes once its output is read. */
function exec(client: SshClient, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      channel.resume();
      channel.stderr.resume();
      resolve(channel);
    }),
  );
}

/** Records the global request names ssh2's protocol dispatches, calling on to whatever handler is installed. */
function recordGlobalRequests(client: SshClient, onRequest: (name: string) => void): void {
  const handlers = (client as unknown as { _protocol: { _handlers: { GLOBAL_REQUEST: GlobalRequestHandler } } })._protocol._handlers;
  const installed = handlers.GLOBAL_REQUEST;
  handlers.GLOBAL_REQUEST = (proto, name, wantReply, data) => {
    onRequest(name);
    installed(proto, name, wantReply, data);
  };
}

describe('ssh2 internals on the pinned ssh2, against a real sshd', () => {
  it('finds the client protocol handlers and accepts the hostkeys announcement without proving the keys', async () => {
    // Control: without the adapter ssh2 proves the announced keys and then emits 'hostkeys'.
    const plain = await login(() => {});
    await within<unknown>(10_000, "'hostkeys' from ssh2's own proof", (done) => plain.once('hostkeys', done));

    const notices: string[] = [];
    const internals = createSsh2Internals((line) => notices.push(line));
    let installed = false;
    let announced!: Promise<void>;
    let proved = false;
    const client = await login((c) => {
      installed = internals.declineHostKeysProof(c);
      announced = within<void>(10_000, 'hostkeys-00 announcement', (done) =>
        recordGlobalRequests(c, (name) => name === 'hostkeys-00@openssh.com' && done()),
      );
      c.on('hostkeys', () => (proved = true));
    });
    expect(installed).toBe(true);
    await announced;
    // A proof request would have been answered before this later channel's close, in order on one connection.
    const channel = await exec(client, 'true');
    channel.end();
    await within<void>(10_000, 'channel close', (done) => channel.once('close', () => done()));
    expect(proved).toBe(false);
    expect(notices).toEqual([]);
  });

  it('signals a command whose stdin is already ended through the channel id and protocol object', async () => {
    const notices: string[] = [];
    const internals = createSsh2Internals((line) => notices.push(line));
    const client = await login(() => {});
    const channel = await exec(client, 'sleep 30');
    const closed = within<string | undefined>(10_000, 'channel close after KILL', (done) => {
      let signal: string | undefined;
      channel.on('exit', (_code: number | null, name?: string) => (signal = name));
      channel.once('close', () => done(signal));
    });
    channel.end();
    expect(channel.writable).toBe(false);
    expect(internals.signalAfterEof(channel, 'KILL')).toBe(true);
    expect(await closed).toBe('SIGKILL');
    expect(notices).toEqual([]);
  });

  it('takes an object inheriting from a parsed key as a parsed key, and logs in with its signer', async () => {
    const key = clientKey();
    let signatures = 0;
    const signer: KeySigner = (data, algo) => {
      signatures += 1;
      return key.sign(data, algo);
    };
    const wrapped = keyWithSigner(key, signer);
    expect(utils.parseKey(wrapped as unknown as Buffer)).toBe(wrapped);
    const method: AnyAuthMethod = { type: 'publickey', username: sshd.user, key: wrapped };
    await login(() => {}, { authHandler: [method] });
    expect(signatures).toBe(1);
  });

  it('the ssh transport reports no missing internal when a command times out after its stdin ended', async () => {
    const debug: string[] = [];
    const transport = createSshTransport({ debug: (line) => debug.push(line) });
    const session = await transport.connect(sshd.target(), { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent' } });
    try {
      const result = await session.exec('sleep 30', { stdin: 'x', timeoutMs: 300 });
      expect(result.timedOut).toBe(true);
      // Killed through the channel: the fallback would drop the whole connection after its grace instead.
      expect((await session.exec('echo alive', { timeoutMs: 10_000 })).stdout).toBe('alive\n');
      expect(debug).toEqual([]);
    } finally {
      session.close();
    }
  });
});
