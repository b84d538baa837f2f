/**
 * The PostgreSQL returners through the real CLI, the sshd harness and the running PostgreSQL:
 * `--return pgjsonb|postgres`, `master_job_cache: pgjsonb` read back by `salt-run jobs.lookup_jid`,
 * `event_return`, `salt-run returners.init`, and a database that is down, then flushed.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';
import { createTestPgDatabase, PG_PORT, type TestPgDatabase } from '../helpers/postgres.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let sshd: SshdHarness;
let jsonb: TestPgDatabase;
let text: TestPgDatabase;
let proxy: TcpProxy;
let knownHosts: string;
let roster: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

function config(opts: Record<string, unknown>) {
  const cfg = makeConfigDir({ ssh_known_hosts_file: knownHosts, ...opts });
  configs.push(cfg);
  return cfg;
}
const ssh = (cfg: { dir: string }, args: string[]) => runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args]);
const run = (cfg: { dir: string }, args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);
const returnRows = (db: TestPgDatabase, jid: string) =>
  db.rows<{ id: string; success: string; return: unknown }>('SELECT id, success, return FROM salt_returns WHERE jid = $1 ORDER BY id', [jid]);

beforeAll(async () => {
  [sshd, jsonb, text, proxy] = await Promise.all([startSshd(), createTestPgDatabase('pgjsonb'), createTestPgDatabase('postgres'), startTcpProxy(PG_PORT)]);
  knownHosts = sshd.writeKnownHosts();
  roster = sshd.writeRoster(['node1', 'node2']);
});

afterAll(async () => {
  for (const cfg of configs) cfg.cleanup();
  await proxy?.close();
  await sshd?.stop();
  await jsonb?.drop();
  await text?.drop();
});

describe('salt-ssh --return pgjsonb / postgres', () => {
  it('--return pgjsonb writes one jsonb row per host and the job load', async () => {
    const res = await ssh(config(jsonb.opts()), ['*', 'test.ping', '--return', 'pgjsonb', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect(await returnRows(jsonb, jid)).toEqual([
      { id: 'node1', success: 'true', return: true },
      { id: 'node2', success: 'true', return: true },
    ]);
    expect(await jsonb.rows('SELECT load FROM jids WHERE jid = $1', [jid])).toEqual([{ load: expect.objectContaining({ jid, fun: 'test.ping', tgt: '*' }) }]);
  });

  it('--return postgres writes salt\'s JSON text', async () => {
    const res = await ssh(config(text.opts()), ['node1', 'cmd.run', 'echo hi', '--return', 'postgres', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(await returnRows(text, bannerJid(res.stdout))).toEqual([{ id: 'node1', success: 'true', return: '"hi"' }]);
  });
});

describe('master_job_cache: pgjsonb', () => {
  it('answers salt-run jobs.lookup_jid from PostgreSQL once the local cachedir is gone; event_return fills salt_events', async () => {
    const cfg = config(jsonb.opts({ master_job_cache: 'pgjsonb', event_return: 'pgjsonb', id: 'pg-master' }));
    const res = await ssh(cfg, ['*', 'cmd.run', 'echo hello pg', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    rmSync(cfg.cachedir, { recursive: true, force: true });
    const looked = await run(cfg, ['jobs.lookup_jid', jid]);
    expect([looked.code, looked.stderr, looked.stdout]).toEqual([0, '', 'node1:\n    hello pg\nnode2:\n    hello pg\n']);
    const listed = await run(cfg, ['jobs.list_jobs', 'search_function=cmd.run', '--out', 'json']);
    expect((JSON.parse(listed.stdout) as Record<string, unknown>)[jid]).toMatchObject({ Function: 'cmd.run', Arguments: ['echo hello pg'] });
    const events = await jsonb.rows<{ tag: string; master_id: string }>('SELECT tag, master_id FROM salt_events WHERE tag LIKE $1 ORDER BY tag', [`salt/job/${jid}/%`]);
    expect(events).toEqual([`salt/job/${jid}/new`, `salt/job/${jid}/ret/node1`, `salt/job/${jid}/ret/node2`].map((tag) => ({ tag, master_id: 'pg-master' })));
  });
});

describe('salt-run returners.* with pgjsonb', () => {
  it('returners.init pgjsonb creates the tables in an empty database', async () => {
    const empty = await createTestPgDatabase('pgjsonb', { tables: false });
    try {
      const cfg = config(empty.opts());
      const init = await run(cfg, ['returners.init', 'pgjsonb', '--out', 'json']);
      expect([init.code, init.stderr]).toEqual([0, '']);
      expect(JSON.parse(init.stdout)).toEqual({ pgjsonb: `tables salt_returns, jids, salt_events ready in db ${empty.db}` });
      const res = await ssh(cfg, ['node1', 'test.ping', '--return', 'pgjsonb', '-v']);
      expect(res.stderr).toBe('');
      expect((await returnRows(empty, bannerJid(res.stdout))).map((r) => r.id)).toEqual(['node1']);
    } finally {
      await empty.drop();
    }
  });

  it('a database that is down: results print, the returns wait, returners.flush delivers them once', async () => {
    const cfg = config(jsonb.opts({}, proxy.port));
    await proxy.stop();
    const down = await ssh(cfg, ['*', 'test.ping', '--return', 'pgjsonb', '-v']);
    await proxy.start();
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('node1:\n    True\n');
    expect(down.stderr).toMatch(new RegExp(`^\\[WARNING \\] Returner pgjsonb: pgjsonb postgres@127\\.0\\.0\\.1:${proxy.port}/\\S+: .*returns pending`));
    const jid = bannerJid(down.stdout);
    expect(await returnRows(jsonb, jid)).toEqual([]);
    expect((await run(cfg, ['returners.pending'])).code).toBe(75);
    const flushed = await run(cfg, ['returners.flush', 'pgjsonb', '--out', 'json']);
    expect([flushed.code, JSON.parse(flushed.stdout)]).toEqual([0, { pgjsonb: expect.objectContaining({ pending: 0 }) }]);
    expect((await run(cfg, ['returners.flush', 'pgjsonb', '--out', 'json'])).code).toBe(0);
    expect((await returnRows(jsonb, jid)).map((r) => r.id)).toEqual(['node1', 'node2']);
  });
});
