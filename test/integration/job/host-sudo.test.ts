/**
 * runOnHost with `sudo: True` and a roster passwd against a real sshd and a real sudo: with a NOPASSWD
 * rule and with a password rule, tty off and on. The password must only ever answer sudo's own prompt.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { loadFunction } from '../../../src/modules/registry.js';
import { runOnHost } from '../../../src/job/host.js';
import { localTransport } from '../../../src/transport/local.js';
import { createSshTransport } from '../../../src/transport/ssh.js';
import type { HostTarget } from '../../../src/transport/types.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';

const JID = '20261128171931869117';
const transport = createSshTransport();
let nopasswd: SshdHarness;
let withPassword: SshdHarness;

beforeAll(async () => {
  [nopasswd, withPassword] = await Promise.all([startSshd({ sudo: 'nopasswd' }), startSshd({ sudo: 'password' })]);
});
afterAll(async () => {
  await Promise.all([nopasswd?.stop(), withPassword?.stop()]);
});

async function runSudo(target: HostTarget, fun: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<HostReturn> {
  const fn = await loadFunction(fun);
  const call = { fun, args, kwargs, jid: JID, target };
  return runOnHost({
    target,
    transport: target.connection === 'local' ? localTransport : transport,
    fn,
    command: await fn.prepare(call),
    call,
    funArgs: args,
    connect: { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent' } },
    commandTimeoutSec: 20,
    now: () => new Date(),
    signal: new AbortController().signal,
  });
}

const password = (sshd: SshdHarness): string => {
  if (sshd.password === undefined) throw new Error('these tests need root (a throwaway login user with a password)');
  return sshd.password;
};

describe.each([
  ['a NOPASSWD rule', () => nopasswd],
  ['a password rule', () => withPassword],
])('sudo with a roster passwd and %s', (_rule, sshdOf) => {
  describe.each([false, true])('tty %s', (tty) => {
    const target = () => sshdOf().target({ sudo: true, passwd: password(sshdOf()), tty });

    it('runs as root and the password appears nowhere in the return', async () => {
      const ret = await runSudo(target(), 'cmd.run_all', ['id -u; echo to-stderr >&2']);
      expect(JSON.stringify(ret)).not.toContain(password(sshdOf()));
      expect(ret.retcode).toBe(0);
      const value = ret.return as { stdout: string; stderr: string };
      if (tty) expect(value.stdout.replace(/\r/g, '')).toBe('0\nto-stderr');
      else expect(value).toMatchObject({ stdout: '0', stderr: 'to-stderr' });
    });

    it("gives the command its own stdin, never the password (cmd.run cat)", async () => {
      // Over a pty stdin never ends, so read one line; the pty echoes what is typed.
      const ret = tty
        ? await runSudo(target(), 'cmd.run', ['head -n 1'], { stdin: 'from-stdin\n' })
        : await runSudo(target(), 'cmd.run', ['cat'], { stdin: 'from-stdin' });
      expect(JSON.stringify(ret)).not.toContain(password(sshdOf()));
      expect(ret.retcode).toBe(0);
      expect(String(ret.return).replace(/\r/g, '')).toBe(tty ? 'from-stdin\nfrom-stdin' : 'from-stdin');
    });
  });

  it('uploads exactly the script for cmd.script', async () => {
    const script = join(sshdOf().dir, 'audit.sh');
    writeFileSync(script, '#!/bin/sh\nid -u\ncat "$0"\n');
    const ret = await runSudo(sshdOf().target({ sudo: true, passwd: password(sshdOf()) }), 'cmd.script', [script]);
    expect(JSON.stringify(ret)).not.toContain(password(sshdOf()));
    expect(ret.return).toMatchObject({ retcode: 0, stdout: '0\n#!/bin/sh\nid -u\ncat "$0"', stderr: '' });
  });
});

describe('a wrong sudo password', () => {
  it.each([false, true])('is answered once and reported, tty %s', async (tty) => {
    const target = withPassword.target({ id: 'wrongpw', sudo: true, passwd: 'not-the-password', tty });
    // Log in with the key; only sudo sees the wrong password.
    const ret = await runSudo(target, 'cmd.run', ['id -u']);
    expect(ret.success).toBe(false);
    expect(ret.return).toMatchObject({ _error: 'sudo: incorrect password on wrongpw' });
    expect(JSON.stringify(ret)).not.toContain('[brine-sudo-');
  });
});

describe('sudo over the local transport', () => {
  it('keeps stdin the command\'s own and strips the markers', async () => {
    const target: HostTarget = { ...withPassword.target({ id: 'local', sudo: true, passwd: 'unused-secret', tty: true }), connection: 'local' };
    const ret = await runSudo(target, 'cmd.run_all', ['cat; id -u'], { stdin: 'local-stdin\n' });
    expect(ret.return).toMatchObject({ retcode: 0, stdout: 'local-stdin\n0', stderr: '' });
    expect(JSON.stringify(ret)).not.toContain('unused-secret');
  });
});
