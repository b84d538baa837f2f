import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createSshTransport } from '../../../src/transport/ssh.js';
import type { ConnectOptions } from '../../../src/transport/types.js';
import { startSshd, type SshdHarness } from '../../helpers/sshd.js';

const run = promisify(execFile);
const started: SshdHarness[] = [];
afterAll(async () => {
  for (const sshd of started) await sshd.stop();
});
const noHostKeys: ConnectOptions = { hostKeys: { mode: 'none', knownHostsFile: '/nonexistent/known_hosts' } };

async function sudoRun(sshd: SshdHarness, command: string, stdin?: string) {
  const session = await createSshTransport().connect(sshd.target(), noHostKeys);
  try {
    return await session.exec(command, { timeoutMs: 15_000, ...(stdin === undefined ? {} : { stdin }) });
  } finally {
    session.close();
  }
}

describe('startSshd', () => {
  it('grants sudo with a password, writes rosters, and stop() removes everything (twice is fine)', async () => {
    const sshd = await startSshd({ sudo: 'password' });
    started.push(sshd);
    const sudoers = `/etc/sudoers.d/${sshd.user}`;
    expect(existsSync(sudoers)).toBe(true);
    expect(await sudoRun(sshd, 'sudo -n true')).toMatchObject({ exitCode: 1 });
    const withPassword = await sudoRun(sshd, `sudo -S -p '' id -u`, `${sshd.password ?? ''}\n`);
    expect(withPassword.stdout).toBe('0\n');

    const roster = parse(readFileSync(sshd.writeRoster(2, { sudo: true }), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
    expect(roster).toEqual({
      node1: { host: '127.0.0.1', port: sshd.port, user: sshd.user, priv: sshd.clientKey, sudo: true },
      node2: { host: '127.0.0.1', port: sshd.port, user: sshd.user, priv: sshd.clientKey, sudo: true },
    });
    expect(sshd.knownHostsLine()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}`);

    await sshd.stop();
    await sshd.stop();
    expect(existsSync(sshd.dir)).toBe(false);
    expect(existsSync(sudoers)).toBe(false);
    await expect(run('id', [sshd.user])).rejects.toThrow();
    const { priv: _keyIsGone, ...withoutKey } = sshd.target();
    const err: unknown = await createSshTransport()
      .connect({ ...withoutKey, passwd: 'x' }, noHostKeys)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'refused' });
  });

  it('grants passwordless sudo with nopasswd', async () => {
    const sshd = await startSshd({ sudo: 'nopasswd' });
    started.push(sshd);
    expect(await sudoRun(sshd, 'sudo -n id -u')).toMatchObject({ stdout: '0\n', exitCode: 0 });
    await sshd.stop();
  });
});
