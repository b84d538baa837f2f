import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncationMarker } from '../../../src/transport/output-buffer.js';
import { createSshTransport } from '../../../src/transport/ssh.js';
import { TransportError, type ConnectOptions, type Session } from '../../../src/transport/types.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

let sshd: SshdHarness;
let session: Session;
const transport = createSshTransport();
const noHostKeys: ConnectOptions = { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent/known_hosts' } };

beforeAll(async () => {
  sshd = await startSshd();
  session = await transport.connect(sshd.target(), noHostKeys);
});
afterAll(async () => {
  session?.close();
  await sshd?.stop();
});

describe('ssh session exec', () => {
  it('separates stdout and stderr and reports the exit code', async () => {
    const result = await session.exec('echo out; echo err >&2; exit 3', { timeoutMs: 10_000 });
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false });
  });

  it('runs as the roster user and decodes utf8', async () => {
    const result = await session.exec(`id -un; printf 'h\\303\\251'`, { timeoutMs: 10_000 });
    expect(result.stdout).toBe(`${sshd.user}\nhé`);
    expect(result.exitCode).toBe(0);
  });

  it('gives exitCode null and the signal when the command is killed', async () => {
    const result = await session.exec('kill -9 $$', { timeoutMs: 10_000 });
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGKILL');
    expect(result.timedOut).toBe(false);
  });

  it('writes stdin and then ends it', async () => {
    const result = await session.exec('cat; echo "[eof]"', { stdin: 'hello\nworld', timeoutMs: 10_000 });
    expect(result.stdout).toBe('hello\nworld[eof]\n');
    const binary = await session.exec('wc -c', { stdin: Buffer.alloc(70_000, 1), timeoutMs: 10_000 });
    expect(binary.stdout.trim()).toBe('70000');
  });

  it('reads large output through the channel window', async () => {
    const result = await session.exec(`head -c 1000000 /dev/zero | tr '\\0' a`, { timeoutMs: 20_000 });
    expect(result.stdout.length).toBe(1_000_000);
    expect(result.exitCode).toBe(0);
  });

  it('keeps at most maxOutputBytes per stream while streaming, and marks the cut', async () => {
    const result = await session.exec(`head -c 50000000 /dev/zero | tr '\\0' a; echo done >&2`, { timeoutMs: 60_000, maxOutputBytes: 65_536 });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('done\n');
    const marker = `\n${truncationMarker(50_000_000 - 65_536)}\n`;
    expect(result.stdout).toContain(marker);
    expect(result.stdout.length).toBe(65_536 + marker.length);
  });

  it('reports a connection that drops mid-command as lost, not as an exit status', async () => {
    const proxy = await startTcpProxy(sshd.port);
    const fifo = join(sshd.dir, `running-${randomBytes(4).toString('hex')}`);
    execFileSync('mkfifo', ['-m', '666', fifo]);
    // Read-write, so opening does not wait for the remote writer; the read resolves once the command runs.
    const running = await open(fifo, 'r+');
    try {
      const own = await transport.connect(sshd.target({ port: proxy.port }), noHostKeys);
      const pending = own.exec(`echo started; echo running > ${fifo}; sleep 20`, { timeoutMs: 30_000 });
      await running.read(Buffer.alloc(8), 0, 8, null);
      await proxy.stop();
      const result = await pending;
      expect(result).toMatchObject({ exitCode: null, timedOut: false, connectionLost: true });
      own.close();
      const exited = await session.exec('exit 1', { timeoutMs: 10_000 });
      expect(exited).toEqual({ stdout: '', stderr: '', exitCode: 1, timedOut: false });
    } finally {
      await running.close();
      await proxy.close();
    }
  });

  it('requests a pty when asked, which merges stderr into stdout', async () => {
    const result = await session.exec('tty; echo err >&2', { pty: true, timeoutMs: 10_000 });
    expect(result.stdout).toMatch(/^\/dev\/pts\/\d+\r\nerr\r\n$/);
    expect(result.stderr).toBe('');
    const plain = await session.exec('tty', { timeoutMs: 10_000 });
    expect(plain.stdout).toBe('not a tty\n');
  });

  it('closes a command that outlives timeoutMs, keeping its output, and the session stays usable', async () => {
    const result = await session.exec('echo started; sleep 30; echo never', { timeoutMs: 1000 });
    expect(result.timedOut).toBe(true);
    expect(result.stdout).toBe('started\n');
    expect(result.exitCode).toBeNull();
    const after = await session.exec('echo again', { timeoutMs: 10_000 });
    expect(after.stdout).toBe('again\n');
  });

  it('stops a command when its AbortSignal fires, without calling it a timeout', async () => {
    const result = await session.exec('echo started; sleep 30', { timeoutMs: 60_000, signal: AbortSignal.timeout(500) });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(result.stdout).toBe('started\n');
    const aborted = new AbortController();
    aborted.abort();
    const early = await session.exec('sleep 30', { timeoutMs: 60_000, signal: aborted.signal });
    expect(early.exitCode).toBeNull();
  });

  it('runs several commands at once on one session', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => session.exec(`echo ${n}`, { timeoutMs: 10_000 })));
    expect(results.map((r) => r.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });

  it('close() is idempotent and exec after close rejects with a closed TransportError', async () => {
    const own = await transport.connect(sshd.target(), noHostKeys);
    expect((await own.exec('true', { timeoutMs: 10_000 })).exitCode).toBe(0);
    own.close();
    expect(() => own.close()).not.toThrow();
    const err: unknown = await own.exec('true', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).reason).toBe('closed');
  });

  it('serves 50 concurrent sessions on one sshd', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const results = await Promise.all(
      ids.map(async (i) => {
        const s = await transport.connect(sshd.target({ id: `node${i}` }), noHostKeys);
        try {
          return await s.exec(`echo ${i}`, { timeoutMs: 30_000 });
        } finally {
          s.close();
        }
      }),
    );
    expect(results.map((r) => r.stdout)).toEqual(ids.map((i) => `${i}\n`));
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
  });
});
