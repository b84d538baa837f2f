/**
 * Ctrl-C and kill -9 in the middle of a job: two hosts answer at once, two sit on a server that never
 * speaks SSH. What the fast hosts returned must be printed and kept in the job cache either way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli, startCli, waitForOutput } from '../helpers/cli.js';
import { startHangServer, startSshd, type HangServer, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let hang: HangServer;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;

const run = (args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);
const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;

/** Starts `salt-ssh '*' test.ping -v` and resolves once the two fast hosts have printed. */
async function startJobAndWaitForFastHosts() {
  const cli = startCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, '*', 'test.ping', '-v']);
  await waitForOutput(cli, (out) => out.includes('fast1:\n    True\n') && out.includes('fast2:\n    True\n'));
  const jid = /^Executing job with jid (\d{20})\n/.exec(cli.output())?.[1];
  if (jid === undefined) throw new Error(`no -v banner in: ${cli.output()}`);
  return { cli, jid };
}

async function expectFastHostsKept(jid: string) {
  const looked = await run(['jobs.lookup_jid', jid, 'missing=True', '--out', 'json']);
  expect(looked.code).toBe(0);
  expect(json(looked.stdout)).toEqual({
    fast1: true,
    fast2: true,
    slow1: 'Minion did not return',
    slow2: 'Minion did not return',
  });
  const nested = await run(['jobs.lookup_jid', jid, 'missing=True']);
  expect(nested.stdout).toBe('fast1:\n    True\nfast2:\n    True\nslow1:\n    Minion did not return\nslow2:\n    Minion did not return\n');
}

/** list_job and print_job show `Interrupted: true` and the end time; lookup_jid says so on stderr. */
async function expectMarkedInterrupted(jid: string) {
  const listed = await run(['jobs.list_job', jid, '--out', 'json']);
  expect(listed.code).toBe(0);
  const job = json<{ Interrupted?: boolean; EndTime?: string; Result: Record<string, unknown> }>(listed.stdout);
  expect(job.Interrupted).toBe(true);
  expect(job.EndTime).toMatch(/^\d{4}, \w{3} \d{2} /);
  expect(Object.keys(job.Result).sort()).toEqual(['fast1', 'fast2']);
  const printed = await run(['jobs.print_job', jid, '--out', 'json']);
  expect(json<Record<string, { Interrupted?: boolean }>>(printed.stdout)[jid]?.Interrupted).toBe(true);
  const looked = await run(['jobs.lookup_jid', jid]);
  expect(looked.stderr).toBe(`[WARNING ] jid ${jid} was interrupted: 2 of 4 hosts did not finish\n`);
}

beforeAll(async () => {
  sshd = await startSshd();
  hang = await startHangServer();
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  roster = join(sshd.dir, 'interrupt-roster.yaml');
  const slow = (id: string) => `${id}:\n  host: 127.0.0.1\n  port: ${hang.port}\n  timeout: 60\n  priv: ${sshd.clientKey}\n`;
  writeFileSync(roster, readFileSync(sshd.writeRoster(['fast1', 'fast2']), 'utf8') + slow('slow1') + slow('slow2'));
});

afterAll(async () => {
  await hang?.close();
  await sshd?.stop();
  cfg?.cleanup();
});

describe('Ctrl-C mid-job', () => {
  it('exits 130, keeps what was printed, and the cache has the fast hosts and the rest as missing', async () => {
    const { cli, jid } = await startJobAndWaitForFastHosts();

    // while it runs, jobs.active lists it with the silent hosts still running
    const active = await run(['jobs.active', '--out', 'json']);
    expect(active.code).toBe(0);
    const running = json<Record<string, { Running: Array<Record<string, number>>; Returned: string[] }>>(active.stdout)[jid];
    expect(running?.Returned.sort()).toEqual(['fast1', 'fast2']);
    expect(running?.Running.map((r) => Object.keys(r)[0]).sort()).toEqual(['slow1', 'slow2']);
    expect(running?.Running[0]?.slow1 ?? running?.Running[0]?.slow2).toBe(cli.child.pid);

    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stdout).toContain('fast1:\n    True\n');
    expect(res.stdout).toContain('fast2:\n    True\n');
    // -v names the hosts that did not return, as salt does
    expect(res.stdout).toContain('slow1:\n    Minion did not return. [No response]\nslow2:\n    Minion did not return. [No response]\n');
    expect(res.stderr).toBe(`[WARNING ] Interrupted: 2 of 4 hosts did not finish; jid ${jid}\n`);
    await expectFastHostsKept(jid);
    await expectMarkedInterrupted(jid);
    const after = await run(['jobs.active', '--out', 'json']);
    expect(json(after.stdout)).toEqual({});
  });
});

describe('SIGTERM mid-job', () => {
  it('exits 130 with the interrupt line, and the job is marked interrupted and ended', async () => {
    const { cli, jid } = await startJobAndWaitForFastHosts();
    cli.child.kill('SIGTERM');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toBe(`[WARNING ] Interrupted: 2 of 4 hosts did not finish; jid ${jid}\n`);
    await expectFastHostsKept(jid);
    await expectMarkedInterrupted(jid);
  });
});

describe('kill -9 mid-job', () => {
  it('leaves the returns that were printed in the cache', async () => {
    const { cli, jid } = await startJobAndWaitForFastHosts();
    cli.child.kill('SIGKILL');
    const res = await cli.done;
    expect(res.signal).toBe('SIGKILL');
    await expectFastHostsKept(jid);
    // the job never ended, but its process is gone, so it is not active
    const active = await run(['jobs.active', '--out', 'json']);
    expect(json(active.stdout)).toEqual({});
    // no process was left to mark it: it is not shown as interrupted
    const listed = await run(['jobs.list_job', jid, '--out', 'json']);
    expect(json(listed.stdout)).not.toHaveProperty('Interrupted');
    const exit = await run(['jobs.exit_success', jid, '--out', 'json']);
    expect(exit.code).toBe(20);
    expect(json(exit.stdout)).toEqual({ fast1: true, fast2: true, slow1: false, slow2: false });
  });
});
