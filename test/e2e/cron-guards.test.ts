/**
 * What a cron audit needs from salt-ssh itself (issue 11): the overlap lock, the jid beside clean
 * JSON, exit codes that tell unreachable from failed, a whole-run deadline, and re-running the failed.
 * Every run is the spawned CLI against the real sshd; a held run waits on a FIFO the test controls.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLockFile } from '../../src/run/audit-lock.js';
import { makeConfigDir, runCli, startCli, waitForOutput } from '../helpers/cli.js';
import { closedPort, startHangServer, startSshd, type HangServer, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let hang: HangServer;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;

const ssh = (args: string[], config = cfg) => runCli('salt-ssh', ['-c', config.dir, '--roster-file', roster, ...args]);
const run = (args: string[], config = cfg) => runCli('salt-run', ['-c', config.dir, ...args]);
const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;
const jobsIn = async (config: ReturnType<typeof makeConfigDir>) => Object.keys(json((await run(['jobs.list_jobs', '--out', 'json'], config)).stdout));

/** A FIFO the login user can read: `cat` on it blocks until the test writes. */
function makeFifo(name: string): string {
  const dir = join(sshd.dir, 'fifos');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const fifo = join(dir, name);
  execFileSync('mkfifo', ['-m', '0666', fifo]);
  chmodSync(fifo, 0o666);
  return fifo;
}

/** The pid of a process that has exited (its pid is free). */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise((resolve) => child.on('exit', () => resolve(child.pid ?? 0)));
}

beforeAll(async () => {
  sshd = await startSshd();
  hang = await startHangServer();
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  roster = join(sshd.dir, 'cron-roster.yaml');
  const base = readFileSync(sshd.writeRoster(['node1']), 'utf8');
  // node2 runs through `sudo -n`, which this user may not use: the command runs and fails (retcode 1)
  const sudoer = readFileSync(sshd.writeRoster(['node2'], { sudo: true }), 'utf8');
  const refused = `refused:\n  host: 127.0.0.1\n  port: ${await closedPort()}\n  priv: ${sshd.clientKey}\n`;
  const silent = (id: string) => `${id}:\n  host: 127.0.0.1\n  port: ${hang.port}\n  timeout: 60\n  priv: ${sshd.clientKey}\n`;
  writeFileSync(roster, base + sudoer + refused + silent('silent1') + silent('silent2'));
});

afterAll(async () => {
  await hang?.close();
  await sshd?.stop();
  cfg?.cleanup();
});

describe('--lock / ssh_lock: overlap guard', () => {
  it('skips a second run of the same audit with exit 75 and one line naming the running jid and pid, writing nothing', async () => {
    const locked = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts(), ssh_lock: true });
    try {
      const fifo = makeFifo('lock');
      const audit = ['node1', 'cmd.run', `cat ${fifo}`, '-v'];
      const first = startCli('salt-ssh', ['-c', locked.dir, '--roster-file', roster, ...audit]);
      await waitForOutput(first, (out) => /^Executing job with jid \d{20}\n/.test(out));
      const jid = /jid (\d{20})/.exec(first.output())?.[1];

      const second = await ssh(audit, locked);
      expect(second.code).toBe(75);
      expect(second.stdout).toBe('');
      const lockFile = auditLockFile(locked.cachedir, { configDir: locked.dir, fun: 'cmd.run', argv: [`cat ${fifo}`], tgt: 'node1', tgtType: 'glob' });
      expect(second.stderr).toBe(
        `salt-ssh: error: --lock: skipped: the same audit is still running (jid ${jid}, pid ${first.child.pid}); lock ${lockFile}\n`,
      );
      expect(await jobsIn(locked)).toEqual([jid]);

      // another audit (other arguments) is not held by this lock
      const other = await ssh(['node1', 'test.ping'], locked);
      expect(other.code).toBe(0);

      await writeFile(fifo, 'released\n');
      const done = await first.done;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain('node1:\n    released\n');
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      locked.cleanup();
    }
  });

  it('takes over a lock left by a dead process, and one whose pid now belongs to another process', async () => {
    const key = { configDir: cfg.dir, fun: 'test.ping', argv: [], tgt: 'node1', tgtType: 'glob' };
    const lockFile = auditLockFile(cfg.cachedir, key);
    mkdirSync(join(cfg.cachedir, 'locks'), { recursive: true });
    writeFileSync(lockFile, JSON.stringify({ pid: await deadPid(), start: null, jid: '20260101000000000000' }));
    const res = await ssh(['node1', 'test.ping', '--lock']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(existsSync(lockFile)).toBe(false);

    // a live pid whose start time differs from the lock's is a reused pid: the holder is gone
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, start: '1', jid: '20260101000000000000' }));
    const reused = await ssh(['node1', 'test.ping', '--lock']);
    expect(reused.code).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('the jid for scripts', () => {
  it('--out json -v keeps stdout one JSON document and puts the banner on stderr; --jid-file gets the jid', async () => {
    const jidFile = join(cfg.dir, 'last.jid');
    const res = await ssh(['node1', 'test.ping', '--out', 'json', '--static', '-v', '--jid-file', jidFile]);
    expect(res.code).toBe(0);
    expect(json(res.stdout)).toEqual({ node1: true });
    const jid = /^Executing job with jid (\d{20})\n-{43}\n\n\n$/.exec(res.stderr)?.[1];
    expect(jid).toBeDefined();
    expect(readFileSync(jidFile, 'utf8')).toBe(`${jid}\n`);
    expect(await jobsIn(cfg)).toContain(jid);
    // nested keeps salt's banner on stdout
    const nested = await ssh(['node1', 'test.ping', '-v']);
    expect(nested.stdout).toMatch(/^Executing job with jid \d{20}\n-{43}\n\n\nnode1:\n {4}True\n$/);
  });
});

describe('exit codes a monitor can act on', () => {
  it('69 when hosts were only unreachable, 20 when a command failed, 20 and a line naming the unreachable when mixed', async () => {
    const unreachable = await ssh(['-L', 'node1,refused', 'test.ping']);
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toBe('');

    const failed = await ssh(['-L', 'node1,node2', 'test.ping']);
    expect(failed.code).toBe(20);
    expect(failed.stderr).toBe('');

    const mixed = await ssh(['-L', 'node1,node2,refused', 'test.ping']);
    expect(mixed.code).toBe(20);
    expect(mixed.stderr).toBe('[WARNING ] 1 of 3 hosts could not be reached (SSH failed, retcode 255): refused\n');
  });

  it('--deadline times out the unfinished hosts, names them, marks and ends the job, and exits 124', async () => {
    const res = await ssh(['-L', 'node1,silent1,silent2', 'test.ping', '--deadline', '2', '--max-procs', '1', '--out', 'json', '--static', '--jid-file', join(cfg.dir, 'deadline.jid')]);
    const jid = readFileSync(join(cfg.dir, 'deadline.jid'), 'utf8').trim();
    expect(res.code).toBe(124);
    expect(res.stderr).toBe(`[WARNING ] Deadline of 2 seconds passed: 2 of 3 hosts did not finish (timed out): silent1, silent2; jid ${jid}\n`);
    const out = json<Record<string, unknown>>(res.stdout);
    expect(out.node1).toBe(true);
    // cut while connecting: what the transport said so far is kept
    expect(out.silent1).toEqual({ _error: 'Run deadline of 2 seconds passed', stdout: '', stderr: expect.stringMatching(/^Connection to 127\.0\.0\.1 port \d+ aborted$/), retcode: 124 });
    // silent2 waited for a slot (--max-procs 1) and was never contacted
    expect(out.silent2).toEqual({ _error: 'Run deadline of 2 seconds passed before the host was contacted', stdout: '', stderr: '', retcode: 124 });

    const listed = json<{ DeadlinePassed?: boolean; Interrupted?: boolean; EndTime?: string; Result: Record<string, { retcode: number }> }>(
      (await run(['jobs.list_job', jid, '--out', 'json'])).stdout,
    );
    expect(listed.DeadlinePassed).toBe(true);
    expect(listed.Interrupted).toBeUndefined();
    expect(listed.EndTime).toMatch(/^\d{4}, \w{3} \d{2} /);
    expect(listed.Result.silent1?.retcode).toBe(124);
    expect(json((await run(['jobs.active', '--out', 'json'])).stdout)).toEqual({});
  });
});

describe('--rerun-failed JID', () => {
  it('runs the same function and arguments on only the hosts that failed, as a list target', async () => {
    const jidFile = join(cfg.dir, 'first.jid');
    const first = await ssh(['-L', 'node1,node2,refused', 'cmd.run', 'echo again', '--jid-file', jidFile]);
    expect(first.code).toBe(20);
    const jid = readFileSync(jidFile, 'utf8').trim();

    const rerun = await ssh(['--rerun-failed', jid, '--out', 'json', '--static', '--jid-file', jidFile]);
    expect(rerun.code).toBe(20);
    expect(Object.keys(json(rerun.stdout)).sort()).toEqual(['node2', 'refused']);
    const rerunJid = readFileSync(jidFile, 'utf8').trim();
    const job = json<Record<string, unknown>>((await run(['jobs.list_job', rerunJid, '--out', 'json'])).stdout);
    expect(job).toMatchObject({
      Function: 'cmd.run',
      Arguments: ['echo again'],
      'Target-type': 'list',
      Minions: ['node2', 'refused'],
      Metadata: { rerun_of: jid },
    });

    // a job where nothing failed has nothing to re-run
    const ok = await ssh(['node1', 'test.ping', '--jid-file', jidFile]);
    const again = await ssh(['--rerun-failed', readFileSync(jidFile, 'utf8').trim()]);
    expect(ok.code).toBe(0);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^--rerun-failed \d{20}: no host failed in that job; nothing to re-run\n$/);

    const bad = await ssh(['--rerun-failed', jid, 'node1', 'test.ping']);
    expect(bad.code).toBe(64);
  });
});
