import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/sqlite3.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { ConfigError } from '../../src/errors.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, jobLoad, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { holdSqliteLock } from '../helpers/lock-holders.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brine-sqlite3-'));
  dirs.push(dir);
  return join(dir, 'salt.db');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** What salt's users read with: the sqlite3 shell, as JSON rows. */
function sqlite(file: string, sql: string): Array<Record<string, unknown>> {
  const out = execFileSync('sqlite3', ['-json', file, sql], { encoding: 'utf8' });
  return out.trim() === '' ? [] : (JSON.parse(out) as Array<Record<string, unknown>>);
}

async function initialised(extra: Record<string, unknown> = {}) {
  const file = tempDb();
  const r = createReturner({ opts: { 'sqlite3.database': file, 'sqlite3.timeout': 1, ...extra } });
  await r.init();
  return { file, r };
}

returnerContractSuite('sqlite3', async () => {
  const { file, r } = await initialised();
  const count = (sql: string, ...params: string[]): number => Number(sqlite(file, sql.replace(/\?/g, () => `'${params.shift() ?? ''}'`))[0]?.['n']);
  return { returner: r, countReturns: async (jid, id) => count('SELECT COUNT(*) AS n FROM salt_returns WHERE jid = ? AND id = ?', jid, id) };
}, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'prep_jid']);

describe('sqlite3 returner', () => {
  it('writes salt\'s rows: fun_args as Python str, local date, full_ret = the return as ASCII JSON, success 1/0', async () => {
    const { file, r } = await initialised();
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid, 'cmd.run', ['uptime']));
    await r.returner([
      { ...hostReturn(jid, 'web1', 'up 3 days, é', 'cmd.run'), fun_args: ['uptime', { cwd: '/tmp' }, true] },
      { ...hostReturn(jid, 'web2', { _error: 'x' }, 'cmd.run'), retcode: 255, success: false },
    ]);
    const rows = sqlite(file, `SELECT * FROM salt_returns WHERE jid = '${jid}' ORDER BY id`);
    const local = new Date(Date.UTC(2026, 10, 29, 4, 33, 1));
    const pad = (n: number) => String(n).padStart(2, '0');
    const date = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())} ${pad(local.getHours())}:${pad(local.getMinutes())}:01.123456`;
    expect(rows).toEqual([
      { fun: 'cmd.run', jid, id: 'web1', fun_args: "['uptime', {'cwd': '/tmp'}, True]", date, full_ret: '"up 3 days, \\u00e9"', success: '1' },
      { fun: 'cmd.run', jid, id: 'web2', fun_args: null, date, full_ret: '{"_error": "x"}', success: '0' },
    ]);
    expect(sqlite(file, `SELECT load FROM jids WHERE jid = '${jid}'`)).toEqual([
      { load: `{"jid": "${jid}", "tgt_type": "glob", "tgt": "*", "user": "root", "fun": "cmd.run", "arg": ["uptime"]}` },
    ]);
    const got = await r.getJid(jid);
    expect(got['web1']).toEqual({
      fun_args: ['uptime', { cwd: '/tmp' }, true], jid, return: 'up 3 days, é', retcode: 0, success: true, fun: 'cmd.run', id: 'web1',
      _stamp: '2026-11-29T04:33:01.123456',
    });
    expect(got['web2']).toMatchObject({ retcode: 1, success: false, fun_args: [] });
    await r.close();
  });

  it('reads rows salt wrote (no microseconds, success True bound as 1)', async () => {
    const { file, r } = await initialised();
    const jid = testJid();
    execFileSync('sqlite3', [file, `INSERT INTO salt_returns VALUES ('test.ping', '${jid}', 'old', NULL, '2026-01-02 03:04:05', 'true', 1)`]);
    expect((await r.getJid(jid))['old']).toMatchObject({ return: true, success: true, retcode: 0, fun_args: [] });
    await r.close();
  });

  it('a missing file or missing tables name returners.init, which creates them (file 0600), twice harmlessly', async () => {
    const file = tempDb();
    const r = createReturner({ opts: { 'sqlite3.database': file } });
    const jid = testJid();
    await expect(r.returner([hostReturn(jid, 'a')])).rejects.toThrow(`sqlite3 ${file}: no such file (create it with: salt-run returners.init sqlite3)`);
    expect(existsSync(file)).toBe(false);
    execFileSync('sqlite3', [file, 'CREATE TABLE other (x)']);
    const err = (await r.returner([hostReturn(jid, 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect(err.scope).toBe('returner');
    expect(err.message).toBe(`sqlite3 ${file}: no such table: salt_returns (create the tables with: salt-run returners.init sqlite3)`);
    rmSync(file);
    expect(await r.init()).toBe(`tables jids, salt_returns ready in ${file}`);
    expect(await r.init()).toBe(`tables jids, salt_returns ready in ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await r.returner([hostReturn(jid, 'a')]);
    expect(sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).toEqual([{ name: 'jids' }, { name: 'salt_returns' }]);
    await r.close();
  });

  it('refuses a missing database and a timeout it cannot honour, in one line naming the key', () => {
    expect(() => createReturner({ opts: {} })).toThrow(new ConfigError('sqlite3.database: not set (the SQLite file to write, e.g. /var/lib/salt/salt.db)'));
    expect(() => createReturner({ opts: { 'sqlite3.database': 'x.db', 'sqlite3.timeout': 30 } })).toThrow(/^sqlite3\.timeout: expected seconds above 0 and at most 5, got '30'$/);
    expect(() => createReturner({ opts: { 'sqlite3.database': 'x.db', 'sqlite3.timeout': 'soon' } })).toThrow(ConfigError);
  });

  it('reads alternative.sqlite3.database with --return_config, and --return_kwargs database', async () => {
    const { file, r: setup } = await initialised();
    await setup.close();
    const jid = testJid();
    const alt = createReturner({ opts: { 'sqlite3.database': '/nonexistent/x.db', 'alternative.sqlite3.database': file }, returnConfig: 'alternative' });
    await alt.returner([hostReturn(jid, 'alt')]);
    const kw = createReturner({ opts: { 'sqlite3.database': '/nonexistent/x.db' }, returnKwargs: { database: file } });
    await kw.returner([hostReturn(jid, 'kw')]);
    expect(sqlite(file, `SELECT id FROM salt_returns WHERE jid = '${jid}' ORDER BY id`)).toEqual([{ id: 'alt' }, { id: 'kw' }]);
    await Promise.all([alt.close(), kw.close()]);
  });

  it('a lock held past sqlite3.timeout fails the batch as transient within the timeout, and nothing is half-written', async () => {
    const { file, r } = await initialised({ 'sqlite3.timeout': 0.3 });
    const jid = testJid();
    const lock = await holdSqliteLock(file);
    try {
      const started = Date.now();
      const err = (await r.returner([hostReturn(jid, 'a'), hostReturn(jid, 'b')]).catch((e: unknown) => e)) as ReturnerError;
      expect(err.scope).toBe('transient');
      expect(err.message).toMatch(new RegExp(`^sqlite3 ${file}: database is locked`));
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await lock.release();
    }
    await r.returner([hostReturn(jid, 'a'), hostReturn(jid, 'b')]);
    expect(Object.keys(await r.getJid(jid)).sort()).toEqual(['a', 'b']);
    await r.close();
  });

  it('is registered and can be the master job cache', async () => {
    const { file } = await initialised();
    const r = await loadReturner('sqlite3', { opts: { 'sqlite3.database': file } });
    expect(() => requireCapability(r, 'jobCache', 'master_job_cache')).not.toThrow();
    await r.close();
  });
});

returnerDeliveryContract('sqlite3', async () => {
  const { file, r } = await initialised({ 'sqlite3.timeout': 0.2 });
  // a DBA's rule the store enforces: the one refusal SQLite itself makes of a well-formed row
  execFileSync('sqlite3', [file, "CREATE TRIGGER refuse BEFORE INSERT ON salt_returns WHEN NEW.id = 'refused' BEGIN SELECT RAISE(ABORT, 'id refused by policy'); END"]);
  let lock: Awaited<ReturnType<typeof holdSqliteLock>> | undefined;
  return {
    returner: r,
    down: async () => {
      lock = await holdSqliteLock(file);
    },
    up: async () => {
      await lock?.release();
    },
    storedIds: async (jid) => sqlite(file, `SELECT id FROM salt_returns WHERE jid = '${jid}'`).map((row) => String(row['id'])),
    poison: (jid) => hostReturn(jid, 'refused'),
  };
});

describe('sqlite3 scope of the refused item', () => {
  let file: string;
  beforeAll(async () => {
    ({ file } = await initialised());
    execFileSync('sqlite3', [file, "CREATE TRIGGER refuse BEFORE INSERT ON salt_returns WHEN NEW.id = 'refused' BEGIN SELECT RAISE(ABORT, 'id refused by policy'); END"]);
  });
  it('a row the database refuses is the item\'s fault, and the batch is rolled back whole', async () => {
    const r = createReturner({ opts: { 'sqlite3.database': file } });
    const jid = testJid();
    const err = (await r.returner([hostReturn(jid, 'ok'), hostReturn(jid, 'refused')]).catch((e: unknown) => e)) as ReturnerError;
    expect([err.scope, err.message]).toEqual(['item', `sqlite3 ${file}: id refused by policy`]);
    expect(sqlite(file, `SELECT id FROM salt_returns WHERE jid = '${jid}'`)).toEqual([]);
    await r.close();
  });
});
