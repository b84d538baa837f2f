import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import ssh2, { type ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { createSsh2Internals } from '../../../src/transport/ssh2-internals.js';

// What the adapter does on the pinned ssh2 is checked against sshd in test/integration/transport/ssh2-internals.test.ts.
describe('ssh2 internals', () => {
  it('has ssh2 1.17.0 installed, the version the adapter was checked against', () => {
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }).dependencies['ssh2'];
    const installed = (JSON.parse(readFileSync('node_modules/ssh2/package.json', 'utf8')) as { version: string }).version;
    expect([pinned, installed]).toEqual(['1.17.0', '1.17.0']);
  });

  it("finds a real client's protocol message handlers right after connect()", () => {
    const notices: string[] = [];
    const internals = createSsh2Internals((line) => notices.push(line));
    const client = new ssh2.Client();
    client.on('error', () => {}); // 'Connection lost before handshake' when destroyed below
    // An unconnected stream stands in for the socket: connect() builds the protocol object synchronously.
    client.connect({ sock: new PassThrough(), username: 'nobody' });
    try {
      expect(internals.declineHostKeysProof(client)).toBe(true);
      expect(notices).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});

describe('ssh2 internals fallback', () => {
  it('leaves ssh2 its own behaviour when an internal is gone, and says so once per transport', () => {
    const notices: string[] = [];
    const internals = createSsh2Internals((line) => notices.push(line));
    const channel = { writable: false } as unknown as ClientChannel;
    expect(internals.declineHostKeysProof({})).toBe(false);
    expect(internals.declineHostKeysProof({ _protocol: {} })).toBe(false);
    expect(internals.signalAfterEof(channel, 'KILL')).toBe(false);
    expect(internals.signalAfterEof(channel, 'KILL')).toBe(false);
    expect(notices).toEqual([
      'ssh2 internals changed (client._protocol._handlers.GLOBAL_REQUEST not found): host keys announced after login are proved as ssh2 does',
      'ssh2 internals changed (channel.outgoing / channel._client._protocol.signal not found): a timed-out command after end of stdin waits for the channel close',
    ]);
  });
});
