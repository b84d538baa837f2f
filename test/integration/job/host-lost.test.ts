/** A connection cut while the command runs is an SSH failure (`_error`, retcode 255), not a command that exited 1. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { loadFunction } from '../../../src/modules/registry.js';
import { runOnHost, SSH_FAILED } from '../../../src/job/host.js';
import { createSshTransport } from '../../../src/transport/ssh.js';
import type { HostTarget } from '../../../src/transport/types.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const transport = createSshTransport();
let sshd: SshdHarness;
let proxy: TcpProxy;

beforeAll(async () => {
  sshd = await startSshd();
  proxy = await startTcpProxy(sshd.port);
});
afterAll(async () => {
  await proxy?.close();
  await sshd?.stop();
});

async function run(target: HostTarget, fun: string, args: unknown[]): Promise<HostReturn> {
  const fn = await loadFunction(fun);
  const call = { fun, args, kwargs: {}, jid: '20261128171931869117', target };
  return runOnHost({
    target,
    transport,
    fn,
    command: await fn.prepare(call),
    call,
    funArgs: args,
    connect: { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent' } },
    commandTimeoutSec: 30,
    now: () => new Date(),
    signal: new AbortController().signal,
  });
}

describe('a connection lost mid-command', () => {
  it.each(['cmd.run', 'cmd.run_all'])('%s: is reported as the SSH failure it is', async (fun) => {
    const fifo = join(sshd.dir, `running-${randomBytes(4).toString('hex')}`);
    execFileSync('mkfifo', ['-m', '666', fifo]);
    // Read-write, so opening does not wait for the remote writer; the read resolves once the command runs.
    const running = await open(fifo, 'r+');
    try {
      const pending = run(sshd.target({ id: 'cut', port: proxy.port }), fun, [`echo running > ${fifo}; sleep 20`]);
      await running.read(Buffer.alloc(8), 0, 8, null);
      await proxy.stop();
      const ret = await pending;
      expect(ret.retcode).toBe(SSH_FAILED);
      expect(ret.success).toBe(false);
      expect(ret.return).toMatchObject({
        _error: 'SSH connection closed',
        stderr: `Connection to 127.0.0.1 port ${proxy.port} lost while the command was running`,
        retcode: SSH_FAILED,
      });
    } finally {
      await running.close();
      await proxy.start();
    }
  });

  it('differs from a command that exits 1', async () => {
    const ret = await run(sshd.target({ id: 'exits', port: proxy.port }), 'cmd.run', ['exit 1']);
    expect(ret).toMatchObject({ return: '', retcode: 1, success: false });
  });
});
