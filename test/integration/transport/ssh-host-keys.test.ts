import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { TransportError, type ConnectOptions, type HostKeyPolicy } from '../../../src/transport/types.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';

let sshd: SshdHarness;
/** A known_hosts line for this sshd's address with some other ed25519 key. */
let otherKeyLine: string;

beforeAll(async () => {
  sshd = await startSshd();
  const fakeKey = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
  otherKeyLine = `[127.0.0.1]:${sshd.port} ssh-ed25519 ${fakeKey.toString('base64')}`;
});
afterAll(() => sshd?.stop());

/** `name key` hashed by the real `ssh-keygen -H`. */
function hashedLineFor(name: string, key: string): string {
  const file = join(sshd.dir, `to-hash-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, `${name} ${key}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const hashed = readFileSync(file, 'utf8').trim();
  rmSync(file);
  rmSync(`${file}.old`, { force: true });
  return hashed;
}

function policy(mode: HostKeyPolicy['mode'], knownHostsFile: string, warn?: (line: string) => void): ConnectOptions {
  return { hostKeys: { mode, knownHostsFile }, ...(warn ? { warn } : {}) };
}

/** Connects with a fresh transport (so known_hosts is read anew); resolves 'ok' or the TransportError. */
async function attempt(options: ConnectOptions, server: SshdHarness = sshd): Promise<'ok' | TransportError> {
  return createSshTransport()
    .connect(server.target(), options)
    .then(
      (session) => {
        session.close();
        return 'ok' as const;
      },
      (err: unknown) => {
        if (err instanceof TransportError) return err;
        throw err;
      },
    );
}

describe('ssh host key checking', () => {
  it('accepts a key listed in known_hosts, plain or hashed', async () => {
    expect(await attempt(policy('strict', sshd.writeKnownHosts()))).toBe('ok');
    const hashed = sshd.writeKnownHosts({ hashed: true });
    expect(sshd.knownHostsLine({ hashed: true })).toMatch(/^\|1\|/);
    expect(await attempt(policy('strict', hashed))).toBe('ok');
  });

  it('rejects an unknown host in strict mode, naming host, key, fingerprint, file and -i', async () => {
    const file = sshd.writeKnownHosts('# nothing here\n');
    const err = await attempt(policy('strict', file));
    expect(err).toBeInstanceOf(TransportError);
    const { reason, message } = err as TransportError;
    expect(reason).toBe('hostkey-unknown');
    expect(message).toContain(`[127.0.0.1]:${sshd.port}`);
    expect(message).toContain(`ssh-ed25519 key ${sshd.hostKeyFingerprint}`);
    expect(message).toContain(file);
    expect(message).toContain('-i');
    expect(message).not.toContain('\n');
  });

  it('treats a missing known_hosts file as empty', async () => {
    const missing = join(sshd.dir, 'no-such-known_hosts');
    expect(((await attempt(policy('strict', missing))) as TransportError).reason).toBe('hostkey-unknown');
    expect(await attempt(policy('ignore', missing))).toBe('ok');
  });

  it('accepts an unknown host with ignore (-i)', async () => {
    expect(await attempt(policy('ignore', sshd.writeKnownHosts('')))).toBe('ok');
  });

  it('rejects a changed key in strict and ignore mode, naming the known_hosts line', async () => {
    const file = sshd.writeKnownHosts(`# header\n${otherKeyLine}\n`);
    for (const mode of ['strict', 'ignore'] as const) {
      const err = await attempt(policy(mode, file));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).reason).toBe('hostkey-changed');
      expect((err as TransportError).message).toMatch(
        new RegExp(`^Host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} has changed .*\\(known_hosts ${file}:2\\)$`),
      );
    }
  });

  it('rejects a key marked @revoked even with ignore', async () => {
    const file = sshd.writeKnownHosts(`${sshd.knownHostsLine()}\n@revoked * ${sshd.hostPublicKey}\n`);
    const err = await attempt(policy('ignore', file));
    expect((err as TransportError).reason).toBe('hostkey-changed');
    expect((err as TransportError).message).toContain(`${file}:2`);
  });

  it('refuses a server offering only another key type than recorded, with and without ignore; none accepts it', async () => {
    const rsaOnly = await startSshd({ hostKeyType: 'rsa' });
    try {
      expect(rsaOnly.hostPublicKey).toMatch(/^ssh-rsa /);
      const file = rsaOnly.writeKnownHosts(`[127.0.0.1]:${rsaOnly.port} ${sshd.hostPublicKey}\n`);
      for (const mode of ['strict', 'ignore'] as const) {
        const err = await attempt(policy(mode, file), rsaOnly);
        expect((err as TransportError).reason).toBe('hostkey-changed');
        expect((err as TransportError).message).toBe(
          `Host key for [127.0.0.1]:${rsaOnly.port} has changed to ssh-rsa key ${rsaOnly.hostKeyFingerprint} (known_hosts ${file}:1 records ssh-ed25519)`,
        );
      }
      expect(await attempt(policy('none', file), rsaOnly)).toBe('ok');
    } finally {
      await rsaOnly.stop();
    }
  });

  it('with ignore, records an unknown key (warning once) so a strict connect then succeeds', async () => {
    const file = join(sshd.dir, `learn-${randomBytes(4).toString('hex')}`, 'known_hosts');
    const warnings: string[] = [];
    const transport = createSshTransport();
    // two roster ids for one host:port in one run record it once
    const sessions = await Promise.all([1, 2].map(() => transport.connect(sshd.target(), policy('ignore', file, (l) => warnings.push(l)))));
    for (const session of sessions) session.close();
    expect(warnings).toEqual([`Warning: Permanently added '[127.0.0.1]:${sshd.port}' (ED25519) to the list of known hosts.`]);
    expect(readFileSync(file, 'utf8')).toBe(`${sshd.knownHostsLine()}\n`);
    expect(await attempt(policy('strict', file))).toBe('ok');
    expect(await attempt(policy('ignore', file, (l) => warnings.push(l)))).toBe('ok');
    expect(warnings).toHaveLength(1);
  });

  it('with ignore, writes a hashed line into a hashed file', async () => {
    const file = sshd.writeKnownHosts(`${hashedLineFor('web9', otherKeyLine.split(' ').slice(1).join(' '))}\n`);
    expect(await attempt(policy('ignore', file))).toBe('ok');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\|1\|\S+ ssh-ed25519 /);
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], { encoding: 'utf8' })).toContain(lines[1]);
    expect(await attempt(policy('strict', file))).toBe('ok');
  });

  it('refuses a key swapped after ignore recorded the first one', async () => {
    const swapped = await startSshd();
    try {
      const file = swapped.writeKnownHosts('');
      expect(await attempt(policy('ignore', file), swapped)).toBe('ok');
      await swapped.swapHostKey();
      for (const mode of ['strict', 'ignore'] as const) {
        expect(((await attempt(policy(mode, file), swapped)) as TransportError).reason).toBe('hostkey-changed');
      }
      expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await swapped.stop();
    }
  });

  it('accepts anything with none (--no-host-keys)', async () => {
    expect(await attempt(policy('none', sshd.writeKnownHosts(`${otherKeyLine}\n`)))).toBe('ok');
  });

  it('asks a multi-key server for the key type known_hosts lists, as ssh does', async () => {
    const multi = await startSshd({ ecdsaHostKey: true });
    try {
      const connectWith = (line: string) =>
        createSshTransport()
          .connect(multi.target(), policy('strict', multi.writeKnownHosts(`[127.0.0.1]:${multi.port} ${line}\n`)))
          .then((session) => session.close());
      expect(multi.ecdsaHostPublicKey).toMatch(/^ecdsa-sha2-nistp256 /);
      await expect(connectWith(multi.ecdsaHostPublicKey ?? '')).resolves.toBeUndefined();
      await expect(connectWith(multi.hostPublicKey)).resolves.toBeUndefined();
    } finally {
      await multi.stop();
    }
  });

  it('reads a known_hosts file once per transport instance', async () => {
    const file = sshd.writeKnownHosts();
    const transport = createSshTransport();
    (await transport.connect(sshd.target(), policy('strict', file))).close();
    sshd.writeKnownHosts(`${otherKeyLine}\n`, file.slice(sshd.dir.length + 1));
    // The same transport still holds the first contents; a new one sees the changed file.
    (await transport.connect(sshd.target(), policy('strict', file))).close();
    expect(((await attempt(policy('strict', file))) as TransportError).reason).toBe('hostkey-changed');
  });
});
