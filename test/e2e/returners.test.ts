/**
 * The MySQL flows of the seed through the real CLI and a real MariaDB: `--return mysql`,
 * `master_job_cache: mysql`, `--return_config`, `--return_kwargs`, `event_return`, a database that
 * is down and comes back, 4-byte characters in a 3-byte utf8 table, and `returners.init`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCacheFile, openLocalCache } from '../../src/jobcache/local-cache.js';
import { bannerJid, makeConfigDir, runCli, startCli, waitForOutput, writeGoodAndRefusedRoster } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { startHangServer, startSshd, type HangServer, type SshdHarness } from '../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let sshd: SshdHarness;
let hang: HangServer;
let db: TestDatabase;
/** A second database the first one's user may also write (for --return_config / --return_kwargs). */
let other: TestDatabase;
let proxy: TcpProxy;
let knownHosts: string;
let roster: string;
/** node1 plus a host whose port is closed. */
let mixedRoster: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

interface ReturnRow {
  fun: string;
  jid: string;
  return: string;
  id: string;
  success: string;
  full_ret: string;
}

function config(opts: Record<string, unknown>) {
  const cfg = makeConfigDir({ ssh_known_hosts_file: knownHosts, ...opts });
  configs.push(cfg);
  return cfg;
}

const ssh = (cfg: { dir: string }, args: string[], rosterFile = roster) =>
  runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', rosterFile, ...args]);
const run = (cfg: { dir: string }, args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);
const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;

const returnRows = (database: TestDatabase, jid: string) =>
  database.rows<ReturnRow>('SELECT fun, jid, `return`, id, success, full_ret FROM salt_returns WHERE jid = ? ORDER BY id', [jid]);
const loadOf = async (database: TestDatabase, jid: string) =>
  (await database.rows<{ load: string }>('SELECT `load` FROM jids WHERE jid = ?', [jid])).map((r) => json(r.load));

beforeAll(async () => {
  [sshd, hang, db, other, proxy] = await Promise.all([
    startSshd(),
    startHangServer(),
    createTestDatabase({ charset: 'utf8' }),
    createTestDatabase({ charset: 'utf8' }),
    startTcpProxy(),
  ]);
  for (const host of ['127.0.0.1', 'localhost']) await other.root.query(`GRANT ALL ON \`${other.db}\`.* TO '${db.user}'@'${host}'`);
  knownHosts = sshd.writeKnownHosts();
  roster = sshd.writeRoster(['node1', 'node2']);
  mixedRoster = await writeGoodAndRefusedRoster(sshd);
});

afterAll(async () => {
  for (const cfg of configs) cfg.cleanup();
  await proxy?.close();
  await hang?.close();
  await sshd?.stop();
  await other?.drop();
  await db?.drop();
});

describe('seed flow 1: --return mysql', () => {
  it('writes one salt_returns row per host, success 1/0, and the jids row with the load', async () => {
    const cfg = config(db.opts());
    const res = await ssh(cfg, ['*', 'test.ping', '--return', 'mysql', '-v'], mixedRoster);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(69); // only SSH-level failures: unreachable (issue 11)
    const jid = bannerJid(res.stdout);

    const rows = await returnRows(db, jid);
    expect(rows.map((r) => [r.fun, r.jid, r.id, r.success])).toEqual([
      ['test.ping', jid, 'node1', '1'],
      ['test.ping', jid, 'refused', '0'],
    ]);
    const [good, bad] = rows as [ReturnRow, ReturnRow];
    expect(good.return).toBe('true');
    const full = json(good.full_ret);
    expect(full).toMatchObject({ success: true, return: true, retcode: 0, jid, fun: 'test.ping', fun_args: [], id: 'node1' });
    expect(Object.keys(full).sort()).toEqual(['_stamp', 'fun', 'fun_args', 'id', 'jid', 'retcode', 'return', 'success']);
    expect(json(bad.return)).toMatchObject({ _error: 'Connection refused', retcode: 255 });
    expect(json(bad.full_ret)).toMatchObject({ success: false, retcode: 255, id: 'refused' });

    const [load] = await loadOf(db, jid);
    expect(load).toMatchObject({ jid, tgt_type: 'glob', tgt: '*', fun: 'test.ping', arg: [] });
    expect(Object.keys(load ?? {})).toEqual(['jid', 'tgt_type', 'tgt', 'user', 'fun', 'arg']);
    // --return is in addition to the local job cache
    expect(json((await run(cfg, ['jobs.lookup_jid', jid, '--out', 'json'])).stdout)).toMatchObject({ node1: true });
  });
});

describe('seed flow 2: master_job_cache: mysql', () => {
  it('writes the jids row at job start, before any host returns', async () => {
    const slowRoster = join(sshd.dir, 'slow-roster.yaml');
    writeFileSync(slowRoster, `slow1:\n  host: 127.0.0.1\n  port: ${hang.port}\n  timeout: 60\n  priv: ${sshd.clientKey}\n`);
    const cfg = config(db.opts({ master_job_cache: 'mysql' }));
    const cli = startCli('salt-ssh', ['-c', cfg.dir, '--roster-file', slowRoster, '*', 'test.ping', '-v']);
    try {
      await waitForOutput(cli, (out) => out.includes('-------\n'));
      const jid = bannerJid(cli.output());
      await expect.poll(() => loadOf(db, jid), { timeout: 10_000 }).toHaveLength(1);
      expect(cli.child.exitCode).toBeNull();
      expect(await returnRows(db, jid)).toEqual([]);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  });

  it('with job_cache: False keeps no returns locally once MySQL has them, but keeps the jid reserved', async () => {
    const cfg = config(db.opts({ master_job_cache: 'mysql', job_cache: false }));
    const res = await ssh(cfg, ['*', 'cmd.run', 'echo not kept', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect(await returnRows(db, jid)).toHaveLength(2);
    const local = openLocalCache(localCacheFile({ cachedir: cfg.cachedir }));
    try {
      expect(await local.getJid(jid)).toEqual({});
      expect((await local.getJob(jid))?.load.fun).toBe('cmd.run');
    } finally {
      await local.close();
    }
  });

  it('answers salt-run jobs.* from MySQL once the local cachedir is gone', async () => {
    const cfg = config(db.opts({ master_job_cache: 'mysql' }));
    const res = await ssh(cfg, ['*', 'cmd.run', 'echo hello seed', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect((await returnRows(db, jid)).map((r) => [r.id, json(r.return)])).toEqual([
      ['node1', 'hello seed'],
      ['node2', 'hello seed'],
    ]);

    rmSync(cfg.cachedir, { recursive: true, force: true });
    const looked = await run(cfg, ['jobs.lookup_jid', jid]);
    expect(looked.stderr).toBe('');
    expect(looked.code).toBe(0);
    expect(looked.stdout).toBe('node1:\n    hello seed\nnode2:\n    hello seed\n');
    const asJson = await run(cfg, ['jobs.lookup_jid', jid, '--out', 'json']);
    expect(json(asJson.stdout)).toEqual({ node1: 'hello seed', node2: 'hello seed' });

    const listed = await run(cfg, ['jobs.list_jobs', 'search_function=cmd.run', '--out', 'json']);
    expect(listed.code).toBe(0);
    expect(json(listed.stdout)[jid]).toMatchObject({ Function: 'cmd.run', Arguments: ['echo hello seed'], Target: '*', 'Target-type': 'glob' });
    // salt's mysql keeps no minion list, so list_job has no Minions key; Result is read from salt_returns
    const job = json((await run(cfg, ['jobs.list_job', jid, '--out', 'json'])).stdout);
    expect(job).not.toHaveProperty('Minions');
    expect(Object.keys(job['Result'] as object).sort()).toEqual(['node1', 'node2']);
  });
});

describe('returner options', () => {
  it('--return_config alternative reads alternative.mysql.* first', async () => {
    const alternative = Object.fromEntries(Object.entries(other.opts({ 'mysql.user': db.user, 'mysql.pass': db.pass })).map(([k, v]) => [`alternative.${k}`, v]));
    const cfg = config({ ...db.opts(), ...alternative });
    const res = await ssh(cfg, ['node1', 'test.ping', '--return', 'mysql', '--return_config', 'alternative', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect((await returnRows(other, jid)).map((r) => r.id)).toEqual(['node1']);
    expect(await returnRows(db, jid)).toEqual([]);
  });

  it('--return_kwargs overrides the database for one run', async () => {
    const cfg = config(db.opts());
    const res = await ssh(cfg, ['node1', 'test.ping', '--return', 'mysql', '--return_kwargs', JSON.stringify({ db: other.db }), '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect((await returnRows(other, jid)).map((r) => r.id)).toEqual(['node1']);
    expect(await returnRows(db, jid)).toEqual([]);
  });

  it('event_return: mysql writes salt_events with the job tags', async () => {
    const cfg = config(db.opts({ event_return: 'mysql' }));
    const res = await ssh(cfg, ['*', 'test.ping', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    const events = await db.rows<{ tag: string; data: string; master_id: string }>(
      'SELECT tag, data, master_id FROM salt_events WHERE tag LIKE ? ORDER BY tag',
      [`salt/job/${jid}/%`],
    );
    expect(events.map((e) => e.tag)).toEqual([`salt/job/${jid}/new`, `salt/job/${jid}/ret/node1`, `salt/job/${jid}/ret/node2`]);
    expect(json(events[0]?.data ?? '{}')).toMatchObject({ jid, fun: 'test.ping', minions: ['node1', 'node2'] });
    expect(json(events[1]?.data ?? '{}')).toMatchObject({ jid, id: 'node1', return: true, retcode: 0, success: true });
    expect(events.every((e) => e.master_id !== '')).toBe(true);
    // event_return alone sends no returns
    expect(await returnRows(db, jid)).toEqual([]);
  });
});

describe('a database that is down', () => {
  it('prints results and exits with the job\'s code, warns once, keeps them pending and delivers them later exactly once', async () => {
    const cfg = config(db.opts({}, proxy.port));
    await proxy.stop();
    const down = await ssh(cfg, ['*', 'test.ping', '--return', 'mysql', '-v']);
    expect(down.code).toBe(0);
    const jid = bannerJid(down.stdout);
    expect(down.stdout).toContain('node1:\n    True\n');
    expect(down.stdout).toContain('node2:\n    True\n');
    const warnings = down.stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(1);
    const warning = /^\[WARNING \] Returner mysql: .+; (\d+) returns pending/.exec(warnings[0] ?? '');
    expect(warning, down.stderr).not.toBeNull();
    const count = Number(warning?.[1]);
    expect(count).toBeGreaterThanOrEqual(2);

    const pending = await run(cfg, ['returners.pending', '--out', 'json']);
    expect(pending.code).toBe(75);
    expect(json(pending.stdout)).toMatchObject({ mysql: { count, oldest_jid: jid } });
    expect(await returnRows(db, jid)).toEqual([]);

    await proxy.start();
    const next = await ssh(cfg, ['node1', 'test.ping', '--return', 'mysql', '-v']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    const nextJid = bannerJid(next.stdout);
    expect((await returnRows(db, jid)).map((r) => r.id)).toEqual(['node1', 'node2']);
    expect((await returnRows(db, nextJid)).map((r) => r.id)).toEqual(['node1']);
    expect(await loadOf(db, jid)).toHaveLength(1);

    const flushed = await run(cfg, ['returners.flush', 'mysql', '--out', 'json']);
    expect(flushed.code).toBe(0);
    const after = await run(cfg, ['returners.pending', '--out', 'json']);
    expect(after.code).toBe(0);
    expect(json(after.stdout)).toEqual({});
    const duplicates = await db.rows('SELECT jid, id, COUNT(*) AS n FROM salt_returns GROUP BY jid, id HAVING n > 1');
    expect(duplicates).toEqual([]);
  });

  it('salt-run returners.flush delivers what a run left pending', async () => {
    const cfg = config(db.opts({}, proxy.port));
    await proxy.stop();
    const down = await ssh(cfg, ['node1', 'test.ping', '--return', 'mysql', '-v']);
    expect(down.code).toBe(0);
    const jid = bannerJid(down.stdout);
    expect((await run(cfg, ['returners.pending'])).code).toBe(75);
    await proxy.start();
    const flushed = await run(cfg, ['returners.flush', 'mysql', '--out', 'json']);
    expect(flushed.code).toBe(0);
    expect(json(flushed.stdout)).toMatchObject({ mysql: { pending: 0 } });
    expect((await returnRows(db, jid)).map((r) => r.id)).toEqual(['node1']);
    expect((await run(cfg, ['returners.pending'])).code).toBe(0);
  });
});

describe('mysql details', () => {
  it('stores a 4-byte emoji intact in the 3-byte utf8 table', async () => {
    const cfg = config(db.opts());
    const res = await ssh(cfg, ['node1', 'cmd.run', 'echo 😀', '--return', 'mysql', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('node1:\n    😀\n');
    const [row] = await returnRows(db, bannerJid(res.stdout));
    expect(json(row?.return ?? 'null')).toBe('😀');
    expect(json<{ return: string }>(row?.full_ret ?? '{}').return).toBe('😀');
  });

  it('salt-run returners.init mysql creates the tables in an empty database', async () => {
    const empty = await createTestDatabase({ charset: 'utf8', tables: false });
    try {
      const cfg = config(empty.opts());
      expect(await empty.rows('SHOW TABLES')).toEqual([]);
      const res = await run(cfg, ['returners.init', 'mysql']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const tables = (await empty.rows<Record<string, string>>('SHOW TABLES')).map((r) => Object.values(r)[0]).sort();
      expect(tables).toEqual(['jids', 'salt_events', 'salt_returns']);
      const ret = await ssh(cfg, ['node1', 'test.ping', '--return', 'mysql', '-v']);
      expect(ret.stderr).toBe('');
      expect((await returnRows(empty, bannerJid(ret.stdout))).map((r) => r.id)).toEqual(['node1']);
    } finally {
      await empty.drop();
    }
  });

  it('sys.list_returners lists every built-in returner (their drivers are installed)', async () => {
    const cfg = config({});
    const res = await ssh(cfg, ['node1', 'sys.list_returners', '--out', 'json']);
    expect(res.code).toBe(0);
    expect(json(res.stdout)).toEqual({ node1: ['carbon', 'etcd', 'influxdb', 'local', 'local_cache', 'mattermost', 'memcache', 'multi_returner', 'mysql', 'pgjsonb', 'postgres', 'pushover', 'rawfile_json', 'redis', 'slack', 'slack_webhook', 'smtp', 'splunk', 'sqlite3', 'syslog', 'telegram'] });
  });
});
