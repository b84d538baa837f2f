/**
 * salt-run jobs.* against jobs that salt-ssh ran over the real sshd, each command its own process:
 * the seed's `-v` then `jobs.lookup_jid` flow, and every jobs function's shape and exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli, writeGoodAndRefusedRoster } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;
let mixedRoster: string;
/** The seed flow's job: `cmd.run 'echo hello brine'` on node1 and node2. */
let goodJid: string;
/** test.ping on node1 and a host whose port is closed. */
let failedJid: string;
/** cmd.run targeted at node1 alone. */
let node1Jid: string;

const ssh = (args: string[], rosterFile = roster) => runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', rosterFile, ...args]);
const run = (args: string[], dir = cfg.dir) => runCli('salt-run', ['-c', dir, ...args]);
const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;

/** `id:\n    value…` blocks of nested output, keyed by host, so completion order does not matter. */
function hostBlocks(nested: string): Record<string, string> {
  const blocks: Record<string, string> = {};
  for (const block of nested.split(/\n(?=\S)/)) {
    const [head = '', ...rest] = block.replace(/\n$/, '').split('\n');
    blocks[head.replace(/:$/, '')] = rest.join('\n');
  }
  return blocks;
}

beforeAll(async () => {
  sshd = await startSshd();
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  roster = sshd.writeRoster(['node1', 'node2']);
  mixedRoster = await writeGoodAndRefusedRoster(sshd);
  const good = await ssh(['*', 'cmd.run', 'echo hello brine', '-v']);
  expect(good.code).toBe(0);
  goodJid = bannerJid(good.stdout);
  const failed = await ssh(['*', 'test.ping', '-v'], mixedRoster);
  expect(failed.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
  failedJid = bannerJid(failed.stdout);
  node1Jid = bannerJid((await ssh(['node1', 'cmd.run', 'echo one', '-v'])).stdout);
});

afterAll(async () => {
  await sshd?.stop();
  cfg?.cleanup();
});

describe('the seed flow: salt-ssh -v, then salt-run jobs.lookup_jid', () => {
  it('prints the same per-host results from another process', async () => {
    const again = await ssh(['*', 'cmd.run', 'echo hello brine', '-v']);
    const jid = bannerJid(again.stdout);
    expect(jid).not.toBe(goodJid);
    const printed = hostBlocks(again.stdout.replace(/^(.*\n){4}/, ''));
    expect(printed).toEqual({ node1: '    hello brine', node2: '    hello brine' });

    const looked = await run(['jobs.lookup_jid', jid]);
    expect(looked.stderr).toBe('');
    expect(looked.code).toBe(0);
    expect(looked.stdout).toBe('node1:\n    hello brine\nnode2:\n    hello brine\n');
    expect(hostBlocks(looked.stdout)).toEqual(printed);

    const asJson = await run(['jobs.lookup_jid', jid, '--out', 'json']);
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toEqual({ node1: 'hello brine', node2: 'hello brine' });
  });

  it('keeps a failed host\'s error return and adds nothing for missing=True when every host returned', async () => {
    const res = await run(['jobs.lookup_jid', failedJid, 'missing=True', '--out', 'json']);
    expect(res.code).toBe(0);
    const data = json<Record<string, unknown>>(res.stdout);
    expect(data.node1).toBe(true);
    expect(data.refused).toMatchObject({ _error: 'Connection refused', retcode: 255 });
    expect(Object.keys(data).sort()).toEqual(['node1', 'refused']);
  });
});

describe('salt-run jobs.* shapes', () => {
  it('jobs.list_job: the load, Minions, StartTime from the jid and Result per host', async () => {
    const res = await run(['jobs.list_job', goodJid, '--out', 'json']);
    expect(res.code).toBe(0);
    const job = json(res.stdout);
    const startTime = `${goodJid.slice(0, 4)}, `;
    expect(job).toMatchObject({
      jid: goodJid,
      Function: 'cmd.run',
      Arguments: ['echo hello brine'],
      Target: '*',
      'Target-type': 'glob',
      Minions: ['node1', 'node2'],
      Result: {
        node1: { return: 'hello brine', retcode: 0, success: true },
        node2: { return: 'hello brine', retcode: 0, success: true },
      },
    });
    expect(String(job.StartTime)).toMatch(new RegExp(`^${startTime}[A-Z][a-z]{2} \\d{2} \\d{2}:\\d{2}:\\d{2}\\.${goodJid.slice(14)}$`));
    expect(typeof job.User).toBe('string');
  });

  it('jobs.print_job: the same under the jid, in nested output', async () => {
    const res = await run(['jobs.print_job', goodJid]);
    expect(res.code).toBe(0);
    expect(res.stdout.startsWith(`${goodJid}:\n    ----------\n    Arguments:\n        - echo hello brine\n`)).toBe(true);
    expect(res.stdout).toContain('    Function:\n        cmd.run\n');
    expect(res.stdout).toContain('    Minions:\n        - node1\n        - node2\n');
    const asJson = await run(['jobs.print_job', goodJid, '--out', 'json']);
    const jobs = json<Record<string, { Result: Record<string, { return: unknown }> }>>(asJson.stdout);
    expect(Object.keys(jobs)).toEqual([goodJid]);
    expect(jobs[goodJid]?.Result.node2?.return).toBe('hello brine');
  });

  it('jobs.list_jobs: every job, filtered by search_function and search_target, paged by limit', async () => {
    const all = json(await run(['jobs.list_jobs', '--out', 'json']).then((r) => r.stdout));
    expect(Object.keys(all)).toEqual(expect.arrayContaining([goodJid, failedJid]));
    expect(all[goodJid]).toMatchObject({ Function: 'cmd.run', Arguments: ['echo hello brine'], Target: '*' });
    expect(all[goodJid]).not.toHaveProperty('Result');

    const byFun = json(await run(['jobs.list_jobs', 'search_function=cmd.run', '--out', 'json']).then((r) => r.stdout));
    expect(Object.keys(byFun)).toEqual(expect.arrayContaining([goodJid, node1Jid]));
    expect(Object.keys(byFun)).not.toContain(failedJid);
    expect(Object.values(byFun).every((j) => (j as { Function: string }).Function === 'cmd.run')).toBe(true);

    const byTarget = json(await run(['jobs.list_jobs', 'search_target=node1', '--out', 'json']).then((r) => r.stdout));
    expect(Object.keys(byTarget)).toEqual([node1Jid]);
    const both = await run(['jobs.list_jobs', 'search_function=test.*', 'search_target=node1', '--out', 'json']);
    expect(json(both.stdout)).toEqual({});

    // newest first, by start time
    expect(Object.keys(all).indexOf(node1Jid)).toBeLessThan(Object.keys(all).indexOf(failedJid));
    const limited = json(await run(['jobs.list_jobs', 'limit=1', '--out', 'json']).then((r) => r.stdout));
    expect(Object.keys(limited)).toEqual(Object.keys(all).slice(0, 1));
    const paged = json(await run(['jobs.list_jobs', 'limit=1', 'offset=1', '--out', 'json']).then((r) => r.stdout));
    expect(Object.keys(paged)).toEqual(Object.keys(all).slice(1, 2));
  });

  it('jobs.last_run: print_job of the newest job, filtered by function', async () => {
    const res = await run(['jobs.last_run', 'function=test.ping', 'target=*', '--out', 'json']);
    expect(res.code).toBe(0);
    const data = json<Record<string, { Function: string; Result: Record<string, unknown> }>>(res.stdout);
    expect(Object.keys(data)).toEqual([failedJid]);
    expect(data[failedJid]?.Function).toBe('test.ping');
    expect(Object.keys(data[failedJid]?.Result ?? {}).sort()).toEqual(['node1', 'refused']);
    const none = await run(['jobs.last_run', 'function=no.such', '--out', 'json']);
    expect(none.code).toBe(0);
    expect(json(none.stdout)).toBe(false);
  });

  it('jobs.exit_success: 0 when every host succeeded, 20 when one failed', async () => {
    const good = await run(['jobs.exit_success', goodJid]);
    expect(good.code).toBe(0);
    expect(good.stdout).toBe('node1:\n    True\nnode2:\n    True\n');
    const failed = await run(['jobs.exit_success', failedJid, '--out', 'json']);
    expect(failed.code).toBe(20);
    expect(json(failed.stdout)).toEqual({ node1: true, refused: false });
  });

  it('jobs.list_jobs_filter count=2: the last two jobs, oldest first, with JID', async () => {
    const newestFirst = Object.keys(json(await run(['jobs.list_jobs', '--out', 'json']).then((r) => r.stdout)));
    expect(newestFirst.length).toBeGreaterThan(2);
    const res = await run(['jobs.list_jobs_filter', 'count=2', '--out', 'json']);
    expect(res.code).toBe(0);
    const jobs = json<Array<{ JID: string; Function: string }>>(res.stdout);
    expect(jobs.map((j) => j.JID)).toEqual(newestFirst.slice(0, 2).reverse());
  });

  it('jobs.active: nothing once the jobs have ended', async () => {
    const res = await run(['jobs.active', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(json(res.stdout)).toEqual({});
  });
});

describe('jobs.clean', () => {
  it('keeps jobs younger than keep_jobs_seconds and removes older ones, reporting how many', async () => {
    const keepHour = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts(), keep_jobs_seconds: 3600 });
    // the same cache with a 1 ms retention: every job that has finished is already older than that
    const keepMs = makeConfigDir({ cachedir: keepHour.cachedir, keep_jobs_seconds: 0.001 });
    try {
      // like salt's, retention goes by when the job ran, not by the jid's time
      const oldJid = '20200101000000000001';
      const old = await runCli('salt-ssh', ['-c', keepHour.dir, '--roster-file', roster, 'node1', 'test.ping', '--jid', oldJid]);
      expect(old.code).toBe(0);
      const recent = await runCli('salt-ssh', ['-c', keepHour.dir, '--roster-file', roster, 'node1', 'test.ping', '-v']);
      const recentJid = bannerJid(recent.stdout);

      const nothing = await run(['jobs.clean', '--out', 'json'], keepHour.dir);
      expect(nothing.code).toBe(0);
      expect(json(nothing.stdout)).toBe(0);
      expect((await run(['jobs.lookup_jid', oldJid], keepHour.dir)).code).toBe(0);

      const cleaned = await run(['jobs.clean', '--out', 'json'], keepMs.dir);
      expect(cleaned.code).toBe(0);
      expect(json(cleaned.stdout)).toBe(2);
      for (const jid of [oldJid, recentJid]) expect((await run(['jobs.lookup_jid', jid], keepHour.dir)).code).toBe(66);
      expect(json((await run(['jobs.list_jobs', '--out', 'json'], keepHour.dir)).stdout)).toEqual({});
    } finally {
      keepHour.cleanup();
      keepMs.cleanup();
    }
  });
});

describe('salt-run errors', () => {
  it('exits 64 with one line for a malformed jid', async () => {
    const res = await run(['jobs.lookup_jid', 'abc']);
    expect(res.code).toBe(64);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain("'abc' is not a valid jid");
  });

  it('exits 66 with one line for a jid that is not in the cache', async () => {
    const res = await run(['jobs.lookup_jid', '20990101000000000000']);
    expect(res.code).toBe(66);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('salt-run: error: jid 20990101000000000000 is not in the job cache\n');
  });

  it('exits 64 listing the runner functions for an unknown one, and lists them with none', async () => {
    const unknown = await run(['jobs.nope']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain("'jobs.nope' is not available");
    expect(unknown.stderr).toContain('jobs.lookup_jid');
    const none = await run([]);
    expect(none.code).toBe(64);
    expect(none.stdout).toContain('Available runner functions:\n');
    for (const fun of ['jobs.lookup_jid', 'jobs.list_jobs', 'jobs.clean', 'returners.pending']) expect(none.stdout).toContain(`- ${fun}\n`);
  });
});

describe('salt-ssh --jid', () => {
  it('uses a jid given with --jid', async () => {
    const jid = '20250102030405123456';
    const res = await ssh(['node1', 'test.ping', '--jid', jid, '-v']);
    expect(res.code).toBe(0);
    expect(bannerJid(res.stdout)).toBe(jid);
    const looked = await run(['jobs.lookup_jid', jid, '--out', 'json']);
    expect(json(looked.stdout)).toEqual({ node1: true });
  });
});
