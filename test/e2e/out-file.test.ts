/**
 * Output that cannot be written: `--out-file /dev/full`, stdout on /dev/full, and a reader that
 * leaves early (`| head -1`). The job must run to its end with every return committed either way.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJid } from '../../src/salt/jid.js';
import { cliCommand, makeConfigDir, ROOT, runCli } from '../helpers/cli.js';

const HOSTS = ['h1', 'h2', 'h3', 'h4'];
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;
let jidCounter = 0;

beforeAll(() => {
  cfg = makeConfigDir();
  roster = join(cfg.dir, 'roster.yaml');
  writeFileSync(roster, HOSTS.map((id) => `${id}:\n  host: 127.0.0.1\n  connection: local\n`).join(''));
});

afterAll(() => cfg?.cleanup());

/** A fresh jid, so the test knows which job to look up without reading the (unwritable) output. */
function freshJid(): string {
  jidCounter += 1;
  return generateJid(new Date(Date.now() + jidCounter * 1000));
}

async function expectEveryReturnCommitted(jid: string) {
  const listed = await runCli('salt-run', ['-c', cfg.dir, 'jobs.list_job', jid, '--out', 'json']);
  expect(listed.code).toBe(0);
  const job = JSON.parse(listed.stdout) as { EndTime?: string; Result: Record<string, unknown> };
  expect(Object.keys(job.Result).sort()).toEqual(HOSTS);
  expect(job.EndTime).toBeDefined();
}

/** Runs salt-ssh with its stdout on `stdout` (a file descriptor or a pipe the test may close). */
function spawnSaltSsh(args: string[], stdout: number | 'pipe') {
  const cli = cliCommand('salt-ssh');
  const child = spawn(cli.file, [...cli.args, '-c', cfg.dir, '--roster-file', roster, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '' },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, done };
}

describe('output that cannot be written', () => {
  it('--out-file /dev/full: every host runs and is committed, the job ends, exit 74 with one line', async () => {
    const jid = freshJid();
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '*', 'test.ping', '--jid', jid, '--out-file', '/dev/full']);
    expect(res.stderr).toBe('salt-ssh: error: cannot write --out-file /dev/full: ENOSPC: no space left on device, write\n');
    expect(res.code).toBe(74);
    expect(res.stdout).toBe('');
    await expectEveryReturnCommitted(jid);
  });

  it('stdout on /dev/full: the same, naming stdout', async () => {
    const jid = freshJid();
    const full = openSync('/dev/full', 'w');
    try {
      const res = await spawnSaltSsh(['*', 'test.ping', '--jid', jid], full).done;
      expect(res.stderr).toBe('salt-ssh: error: cannot write to stdout: ENOSPC: no space left on device, write\n');
      expect(res.code).toBe(74);
    } finally {
      closeSync(full);
    }
    await expectEveryReturnCommitted(jid);
  });

  it('a reader that leaves early (| head -1): brine stops printing quietly and the job still ends with its own exit code', async () => {
    const jid = freshJid();
    // far more than a pipe holds, so writes after the reader left fail with EPIPE
    const cli = spawnSaltSsh(['*', 'cmd.run', 'seq 1 200000', '--jid', jid], 'pipe');
    cli.child.stdout?.once('data', () => cli.child.stdout?.destroy());
    const res = await cli.done;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    await expectEveryReturnCommitted(jid);
  });
});
