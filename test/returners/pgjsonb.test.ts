import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner, type PgjsonbReturner } from '../../src/returners/pgjsonb.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { pgReturnerContracts } from '../contract/pg-contracts.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { startHangServer } from '../helpers/hang-server.js';
import { createTestPgDatabase, PG_PORT, PG_SOCKET_DIR, type TestPgDatabase } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

pgReturnerContracts('pgjsonb', createReturner, (jid) =>
  // salt_returns.id is varchar(255)
  hostReturn(jid, `long-${'x'.repeat(300)}`),
);

const errorOf = async (p: Promise<unknown>): Promise<ReturnerError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReturnerError);
  return err as ReturnerError;
};

describe('pgjsonb returner', () => {
  let db: TestPgDatabase;
  const open: PgjsonbReturner[] = [];
  const make = (ctx: Parameters<typeof createReturner>[0]): PgjsonbReturner => {
    const r = createReturner(ctx);
    open.push(r);
    return r;
  };
  beforeAll(async () => {
    db = await createTestPgDatabase('pgjsonb');
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await db.drop();
  });

  it('writes rows as salt does: jsonb return/full_ret/load, success true/false, master_id', async () => {
    const r = make({ opts: { ...db.opts(), id: 'master-7' } });
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid, 'cmd.run', ['uptime']));
    await r.returner([hostReturn(jid, 'web1', { pid: 7 }), { ...hostReturn(jid, 'web2', 'boom'), retcode: 1, success: false }]);
    const rows = await db.rows<Record<string, unknown>>(
      'SELECT fun, jid, return, id, success, full_ret, alter_time, pg_typeof(return)::text AS t FROM salt_returns WHERE jid = $1 ORDER BY id',
      [jid],
    );
    expect(rows.map((row) => [row['fun'], row['jid'], row['return'], row['id'], row['success'], row['t']])).toEqual([
      ['test.ping', jid, { pid: 7 }, 'web1', 'true', 'jsonb'],
      ['test.ping', jid, 'boom', 'web2', 'false', 'jsonb'],
    ]);
    expect(rows[0]?.['full_ret']).toEqual({ fun_args: [], jid, return: { pid: 7 }, retcode: 0, success: true, fun: 'test.ping', id: 'web1', _stamp: '2026-11-29T04:33:01.123456' });
    expect(rows[0]?.['alter_time']).toBeInstanceOf(Date);
    const [job] = await db.rows<{ load: unknown }>('SELECT load FROM jids WHERE jid = $1', [jid]);
    expect(job?.load).toEqual({ jid, tgt_type: 'glob', tgt: '*', user: 'root', fun: 'cmd.run', arg: ['uptime'] });
    await r.eventReturn([{ tag: `salt/job/${jid}/new`, data: { jid } }]);
    expect(await db.rows('SELECT tag, data, master_id FROM salt_events WHERE tag = $1', [`salt/job/${jid}/new`])).toEqual([
      { tag: `salt/job/${jid}/new`, data: { jid }, master_id: 'master-7' },
    ]);
    // salt's own jsonb queries work on what brine wrote
    expect(await db.rows("SELECT id FROM salt_returns WHERE return @> '{\"pid\": 7}'")).toEqual([{ id: 'web1' }]);
  });

  it('stores a NUL (which jsonb refuses) as the text \\u0000 and reads it back; a literal \\u0000 stays literal', async () => {
    const r = make({ opts: db.opts() });
    const jid = testJid();
    const tricky = { 'k\u0000': 'a\u0000b', lit: 'c:\\u0000d', both: '\\\u0000', plain: 'u0000' };
    await r.saveLoad(jid, { ...jobLoad(jid), arg: ['x\u0000'] });
    await r.returner([hostReturn(jid, 'nul', tricky)]);
    await r.eventReturn([{ tag: 'custom/nul', data: { v: '\u0000' } }]);
    expect((await r.getJid(jid))['nul']?.return).toEqual(tricky);
    expect((await r.getLoad(jid))?.arg).toEqual(['x\u0000']);
    const [row] = await db.rows<{ return: Record<string, string> }>('SELECT return FROM salt_returns WHERE jid = $1', [jid]);
    // what salt's readers see: the escape as text
    expect(row?.return).toEqual({ 'k\\u0000': 'a\\u0000b', lit: 'c:\\\\u0000d', both: '\\\\\\u0000', plain: 'u0000' });
  });

  it('a value a column refuses is the item\'s error, in one line; the rest of the run is stored', async () => {
    const r = make({ opts: db.opts() });
    const jid = testJid();
    for (const bad of [hostReturn(jid, 'h'.repeat(256)), hostReturn(jid, 'nul\u0000id'), hostReturn(jid, 'f', true, `m.${'f'.repeat(60)}`)]) {
      const err = await errorOf(r.returner([bad]));
      expect(err.scope).toBe('item');
      expect(err.message).toMatch(new RegExp(`^pgjsonb postgres@127\\.0\\.0\\.1:${PG_PORT}/${db.db}: (value too long|invalid byte sequence)`));
      expect(err.message).not.toContain('\n');
    }
    await r.returner([hostReturn(jid, 'fine')]);
    expect(Object.keys(await r.getJid(jid))).toEqual(['fine']);
  });

  it('reads alternative.returner.pgjsonb.* with --return_config, and --return_kwargs by attribute', async () => {
    const alt = make({ opts: { ...db.opts(), 'returner.pgjsonb.db': 'not_there', 'alternative.returner.pgjsonb.db': db.db }, returnConfig: 'alternative' });
    expect(alt.options.db).toBe(db.db);
    const kw = make({ opts: { ...db.opts(), 'returner.pgjsonb.db': 'not_there' }, returnKwargs: { db: db.db } });
    const jid = testJid();
    await alt.returner([hostReturn(jid, 'alt')]);
    await kw.returner([hostReturn(jid, 'kw')]);
    expect((await db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = $1 ORDER BY id', [jid])).map((x) => x.id)).toEqual(['alt', 'kw']);
  });

  it('refuses keys salt does not read (its docstring spellings, typos) and bad TLS settings, naming the key', () => {
    const refused = (extra: Record<string, unknown>, returnConfig?: string): string => {
      try {
        createReturner({ opts: { ...db.opts(), ...extra }, returnConfig });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({ 'alternative.pgjsonb.host': 'x' })).toMatch(/^alternative\.pgjsonb\.host: salt's pgjsonb returner reads returner\.pgjsonb\.<key>/);
    expect(refused({ 'returner.pgjsonb.ssl_ca': '/ca.pem' })).toMatch(/^returner\.pgjsonb\.ssl_ca: .*; salt reads returner\.pgjsonb\.sslrootcert$/);
    expect(refused({ 'alternative.returner.pgjsonb.password': 'x' }, 'alternative')).toMatch(/^alternative\.returner\.pgjsonb\.password: .*salt reads returner\.pgjsonb\.pass$/);
    expect(refused({ 'returner.pgjsonb': { hots: 'x' } })).toMatch(/^returner\.pgjsonb\.hots: salt's pgjsonb returner has no such key/);
    expect(refused({ 'returner.pgjsonb.sslmode': 'on' })).toBe("returner.pgjsonb.sslmode: expected one of disable, allow, prefer, require, verify-ca, verify-full, got 'on'");
    expect(refused({ 'returner.pgjsonb.sslmode': 'require', 'returner.pgjsonb.sslrootcert': '/nonexistent/ca.pem' })).toMatch(/^returner\.pgjsonb\.sslrootcert: cannot read \/nonexistent\/ca\.pem/);
    expect(() => createReturner({ opts: { ...db.opts(), 'pgjsonb.keep_jobs_seconds': 60 } }).close()).not.toThrow();
  });

  it('sslmode: require against a server without TLS is a one-line returner error; prefer falls back to plain', async () => {
    const strict = make({ opts: db.opts({ 'returner.pgjsonb.sslmode': 'require' }) });
    const err = await errorOf(strict.getMinions());
    expect([err.scope, err.message]).toEqual(['returner', `pgjsonb postgres@127.0.0.1:${PG_PORT}/${db.db}: The server does not support SSL connections`]);
    const lenient = make({ opts: db.opts({ 'returner.pgjsonb.sslmode': 'prefer' }) });
    expect(await lenient.getMinions()).toBeInstanceOf(Array);
  });

  it('connects through the unix socket directory given as host, as libpq does', async () => {
    const r = make({ opts: db.opts({ 'returner.pgjsonb.host': PG_SOCKET_DIR }) });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'sock')]);
    expect(Object.keys(await r.getJid(jid))).toEqual(['sock']);
    const bad = make({ opts: db.opts({ 'returner.pgjsonb.host': '/nonexistent/dir' }) });
    expect((await errorOf(bad.getMinions())).message).toMatch(/^pgjsonb postgres@\/nonexistent\/dir\/\.s\.PGSQL\.5432\/\S+: connect ENOENT/);
  });

  it('an unknown role, an unknown database and a closed port are one line naming user@host:port/db', async () => {
    const role = await errorOf(make({ opts: db.opts({ 'returner.pgjsonb.user': 'no_such_role' }) }).getMinions());
    expect([role.scope, role.message]).toEqual(['returner', `pgjsonb no_such_role@127.0.0.1:${PG_PORT}/${db.db}: role "no_such_role" does not exist`]);
    const unknown = await errorOf(make({ opts: db.opts({ 'returner.pgjsonb.db': 'brine_no_such_db' }) }).getMinions());
    expect([unknown.scope, unknown.message]).toEqual(['returner', `pgjsonb postgres@127.0.0.1:${PG_PORT}/brine_no_such_db: database "brine_no_such_db" does not exist`]);
    const proxy = await startTcpProxy(PG_PORT);
    const port = proxy.port;
    await proxy.close();
    const closed = await errorOf(make({ opts: db.opts({}, port) }).getMinions());
    expect([closed.scope, closed.message]).toEqual(['transient', `pgjsonb postgres@127.0.0.1:${port}/${db.db}: connect ECONNREFUSED 127.0.0.1:${port}`]);
  });

  it('names returners.init when the tables are missing; init creates salt\'s tables and indexes, twice harmlessly', async () => {
    const empty = await createTestPgDatabase('pgjsonb', { tables: false });
    try {
      const r = make({ opts: empty.opts() });
      const jid = testJid();
      const err = await errorOf(r.returner([hostReturn(jid, 'n')]));
      expect([err.scope, err.message]).toEqual(['returner', `pgjsonb postgres@127.0.0.1:${PG_PORT}/${empty.db}: relation "salt_returns" does not exist (create the tables with: salt-run returners.init pgjsonb)`]);
      expect(await r.init()).toBe(`tables salt_returns, jids, salt_events ready in db ${empty.db}`);
      expect(await r.init()).toBe(`tables salt_returns, jids, salt_events ready in db ${empty.db}`);
      await r.returner([hostReturn(jid, 'n')]);
      expect(Object.keys(await r.getJid(jid))).toEqual(['n']);
      const indexes = await empty.rows<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname COLLATE "C"`);
      expect(indexes.map((i) => i.indexname)).toEqual([
        'idx_jids_jsonb', 'idx_salt_events_data', 'idx_salt_events_tag', 'idx_salt_returns_full_ret', 'idx_salt_returns_fun',
        'idx_salt_returns_id', 'idx_salt_returns_jid', 'idx_salt_returns_return', 'jids_pkey', 'salt_events_id_key',
      ]);
      const gin = await empty.rows<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_salt_returns_return'");
      expect(gin[0]?.indexdef).toMatch(/USING gin \(return\) WITH \(fastupdate='?on'?\)/);
    } finally {
      await empty.drop();
    }
  });

  it('retention removes old rows in batches; with archive_jobs it moves them into salt\'s *_archive tables', async () => {
    for (const archive of [false, true]) {
      const store = await createTestPgDatabase('pgjsonb');
      try {
        const r = make({ opts: store.opts({ archive_jobs: archive }) });
        const [old1, old2, fresh] = [testJid(new Date(Date.UTC(2020, 0, 1))), testJid(new Date(Date.UTC(2020, 0, 2))), testJid()];
        for (const jid of [old1, old2, fresh]) {
          await r.saveLoad(jid, jobLoad(jid));
          await r.returner([hostReturn(jid, 'h1')]);
          await r.eventReturn([{ tag: `salt/job/${jid}/new`, data: { jid } }]);
        }
        await store.rows("UPDATE salt_returns SET alter_time = now() - interval '7 days' WHERE jid <> $1", [fresh]);
        await store.rows("UPDATE salt_events SET alter_time = now() - interval '7 days' WHERE tag NOT LIKE $1", [`%${fresh}%`]);
        expect(await r.cleanOldRows(86_400, { batchSize: 1 })).toEqual({ jids: 2, salt_returns: 2, salt_events: 2 });
        expect((await store.rows<{ jid: string }>('SELECT jid FROM jids')).map((x) => x.jid)).toEqual([fresh]);
        const archived = await store.rows<{ n: string }>(
          "SELECT (SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE '%\\_archive') AS n",
        );
        if (!archive) {
          expect(archived[0]?.n).toBe('0');
          continue;
        }
        expect((await store.rows<{ jid: string }>('SELECT jid FROM jids_archive ORDER BY jid')).map((x) => x.jid)).toEqual([old1, old2]);
        expect(await store.rows('SELECT id, return FROM salt_returns_archive ORDER BY jid')).toEqual([{ id: 'h1', return: true }, { id: 'h1', return: true }]);
        expect((await store.rows('SELECT tag FROM salt_events_archive')).length).toBe(2);
      } finally {
        await store.drop();
      }
    }
  });

  it('delivers a 500-return batch over one connection; a second delivery adds nothing', async () => {
    const proxy = await startTcpProxy(PG_PORT);
    try {
      const r = make({ opts: db.opts({}, proxy.port) });
      const jid = testJid();
      await r.saveLoad(jid, jobLoad(jid));
      const rets = Array.from({ length: 500 }, (_, i) => hostReturn(jid, `host${i}`, `out ${i}`));
      await r.returner(rets);
      await r.returner(rets.slice(0, 250));
      expect([r.connectionsOpened(), proxy.accepted()]).toEqual([1, 1]);
      expect(await db.rows('SELECT COUNT(*)::int AS n, COUNT(DISTINCT id)::int AS d FROM salt_returns WHERE jid = $1', [jid])).toEqual([{ n: 500, d: 500 }]);
    } finally {
      await proxy.close();
    }
  });

  it('survives the server going away between and during calls: every row exactly once', async () => {
    const proxy = await startTcpProxy(PG_PORT);
    try {
      const r = make({ opts: db.opts({}, proxy.port) });
      const jid = testJid();
      const first = [hostReturn(jid, 'a'), hostReturn(jid, 'b')];
      await r.returner(first);
      await proxy.stop();
      await expect(r.returner([hostReturn(jid, 'c')])).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
      await proxy.start();
      const big = Array.from({ length: 2000 }, (_, i) => hostReturn(jid, `m${i}`, 'x'.repeat(2000)));
      const cut = proxy.afterClientBytes(proxy.clientBytes() + 1_000_000).then(() => proxy.stop());
      await expect(r.returner(big)).rejects.toThrow(/127\.0\.0\.1/);
      await cut;
      await proxy.start();
      await r.returner([...first, hostReturn(jid, 'c'), ...big]);
      expect(await db.rows('SELECT COUNT(*)::int AS n, COUNT(DISTINCT id)::int AS d FROM salt_returns WHERE jid = $1', [jid])).toEqual([{ n: 2003, d: 2003 }]);
    } finally {
      await proxy.close();
    }
  });

  it('two processes delivering the same batch at once store it once', async () => {
    const jid = testJid();
    const batch = Array.from({ length: 50 }, (_, i) => hostReturn(jid, `h${i}`));
    const [a, b] = [make({ opts: db.opts() }), make({ opts: db.opts() })];
    await Promise.all([a.returner(batch), b.returner(batch), a.returner(batch.slice(10)), b.returner(batch.slice(0, 20))]);
    expect(await db.rows('SELECT COUNT(*)::int AS n, COUNT(DISTINCT id)::int AS d FROM salt_returns WHERE jid = $1', [jid])).toEqual([{ n: 50, d: 50 }]);
  });

  it('a table lock held elsewhere costs a call its lock_timeout (4 s), as a transient error', async () => {
    const holder = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user: 'postgres', database: db.db });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE salt_returns IN ACCESS EXCLUSIVE MODE');
      const r = make({ opts: db.opts() });
      const started = Date.now();
      const err = await errorOf(r.returner([hostReturn(testJid(), 'locked')]));
      expect(Date.now() - started).toBeLessThan(6_000);
      expect([err.scope, err.message]).toEqual(['transient', `pgjsonb postgres@127.0.0.1:${PG_PORT}/${db.db}: canceling statement due to lock timeout`]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a server that accepts TCP and never answers fails the call within the connect deadline, and close() returns', async () => {
    const hang = await startHangServer();
    try {
      const r = createReturner({ opts: db.opts({}, hang.port) });
      const started = Date.now();
      const err = await errorOf(r.returner([hostReturn(testJid(), 'hung')]));
      expect(Date.now() - started).toBeLessThan(6_000);
      expect([err.scope, err.message]).toEqual(['transient', `pgjsonb postgres@127.0.0.1:${hang.port}/${db.db}: no answer within the connect deadline (4s)`]);
      const closing = Date.now();
      await r.close();
      expect(Date.now() - closing).toBeLessThan(1_000);
    } finally {
      await hang.close();
    }
  });

  it('is registered, loads lazily and can be the master job cache', async () => {
    const r = await loadReturner('pgjsonb', { opts: db.opts() });
    open.push(r as PgjsonbReturner);
    expect(r.capabilities).toEqual({ jobCache: true, events: true, retention: true });
    expect(() => requireCapability(r, 'jobCache', 'master_job_cache')).not.toThrow();
  });
});
