import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner, type PostgresReturner } from '../../src/returners/postgres.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import { pgReturnerContracts } from '../contract/pg-contracts.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestPgDatabase, PG_PORT, type TestPgDatabase } from '../helpers/postgres.js';

pgReturnerContracts('postgres', createReturner, (jid) =>
  // a NUL byte has no place in a varchar
  hostReturn(jid, 'bad\u0000id'),
);

const errorOf = async (p: Promise<unknown>): Promise<ReturnerError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReturnerError);
  return err as ReturnerError;
};

describe('postgres returner', () => {
  let db: TestPgDatabase;
  const open: PostgresReturner[] = [];
  const make = (ctx: Parameters<typeof createReturner>[0]): PostgresReturner => {
    const r = createReturner(ctx);
    open.push(r);
    return r;
  };
  beforeAll(async () => {
    db = await createTestPgDatabase('postgres');
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await db.drop();
  });

  it('writes salt\'s JSON text (key order kept) into text columns, success true/false', async () => {
    const r = make({ opts: { ...db.opts(), id: 'm1' } });
    const jid = testJid();
    await r.saveLoad(jid, jobLoad(jid));
    await r.saveLoad(jid, jobLoad(jid, 'ignored.second'));
    await r.returner([hostReturn(jid, 'web1'), { ...hostReturn(jid, 'web2', { z: 1, a: 'x\u0000' }), retcode: 1, success: false }]);
    const rows = await db.rows<Record<string, string>>('SELECT fun, jid, return, id, success, full_ret, pg_typeof(return)::text AS t FROM salt_returns WHERE jid = $1 ORDER BY id', [jid]);
    expect(rows.map((x) => [x['fun'], x['return'], x['id'], x['success'], x['t']])).toEqual([
      ['test.ping', 'true', 'web1', 'true', 'text'],
      ['test.ping', '{"z": 1, "a": "x\\u0000"}', 'web2', 'false', 'text'],
    ]);
    expect(rows[0]?.['full_ret']).toBe(
      `{"fun_args": [], "jid": "${jid}", "return": true, "retcode": 0, "success": true, "fun": "test.ping", "id": "web1", "_stamp": "2026-11-29T04:33:01.123456"}`,
    );
    expect((await r.getJid(jid))['web2']?.return).toEqual({ z: 1, a: 'x\u0000' });
    // a second save_load keeps the first, as salt's swallowed duplicate does
    expect(await db.rows('SELECT load FROM jids WHERE jid = $1', [jid])).toEqual([
      { load: `{"jid": "${jid}", "tgt_type": "glob", "tgt": "*", "user": "root", "fun": "test.ping", "arg": []}` },
    ]);
    await r.eventReturn([{ tag: 'custom/tag', data: { b: 2, a: 1 } }]);
    expect(await db.rows("SELECT data, master_id FROM salt_events WHERE tag = 'custom/tag'")).toEqual([{ data: '{"b": 2, "a": 1}', master_id: 'm1' }]);
  });

  it('a host id longer than varchar(255) is the item\'s error, in one line', async () => {
    const r = make({ opts: db.opts() });
    const err = await errorOf(r.returner([hostReturn(testJid(), 'h'.repeat(256))]));
    expect([err.scope, err.message]).toEqual(['item', `postgres postgres@127.0.0.1:${PG_PORT}/${db.db}: value too long for type character varying(255)`]);
  });

  it('reads passwd (not pass), alternative.returner.postgres.* and --return_kwargs; refuses keys salt does not read', async () => {
    const r = make({ opts: { ...db.opts(), 'returner.postgres.db': 'not_there', 'alternative.returner.postgres.db': db.db }, returnConfig: 'alternative' });
    expect(r.options).toMatchObject({ db: db.db, passwd: 'unused-with-trust', port: PG_PORT });
    const kw = make({ opts: { ...db.opts(), 'returner.postgres.db': 'not_there' }, returnKwargs: { db: db.db } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'alt')]);
    await kw.returner([hostReturn(jid, 'kw')]);
    expect(Object.keys(await r.getJid(jid)).sort()).toEqual(['alt', 'kw']);
    expect(() => createReturner({ opts: { ...db.opts(), 'returner.postgres.pass': 'x' } })).toThrow(
      new ConfigError("returner.postgres.pass: salt's postgres returner has no such key (valid: host, user, passwd, db, port); salt reads returner.postgres.passwd"),
    );
    expect(() => createReturner({ opts: { ...db.opts(), 'returner.postgres.sslmode': 'require' } })).toThrow(/^returner\.postgres\.sslmode: salt's postgres returner has no such key/);
  });

  it('an unknown role and an unknown database are one-line returner errors', async () => {
    const role = await errorOf(make({ opts: db.opts({ 'returner.postgres.user': 'nobody_here' }) }).getMinions());
    expect([role.scope, role.message]).toEqual(['returner', `postgres nobody_here@127.0.0.1:${PG_PORT}/${db.db}: role "nobody_here" does not exist`]);
    const unknown = await errorOf(make({ opts: db.opts({ 'returner.postgres.db': 'brine_missing' }) }).getMinions());
    expect(unknown.message).toBe(`postgres postgres@127.0.0.1:${PG_PORT}/brine_missing: database "brine_missing" does not exist`);
  });

  it('returners.init creates salt\'s text schema in an empty database', async () => {
    const empty = await createTestPgDatabase('postgres', { tables: false });
    try {
      const r = make({ opts: empty.opts() });
      await expect(r.getMinions()).rejects.toThrow(/relation "salt_returns" does not exist \(create the tables with: salt-run returners\.init postgres\)$/);
      expect(await r.init()).toBe(`tables salt_returns, jids, salt_events ready in db ${empty.db}`);
      const columns = await empty.rows<{ c: string }>(
        "SELECT table_name || '.' || column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb') ORDER BY 1",
      );
      expect(columns.map((x) => x.c)).toEqual(['jids.load text', 'salt_events.data text', 'salt_returns.full_ret text', 'salt_returns.return text']);
      const indexes = await empty.rows<{ i: string }>(`SELECT indexname AS i FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname COLLATE "C"`);
      expect(indexes.map((x) => x.i)).toEqual([
        'idx_salt_events_tag', 'idx_salt_returns_fun', 'idx_salt_returns_id', 'idx_salt_returns_jid', 'idx_salt_returns_updated', 'jids_pkey', 'salt_events_id_key',
      ]);
    } finally {
      await empty.drop();
    }
  });

  it('is registered and can be the master job cache', async () => {
    const r = await loadReturner('postgres', { opts: db.opts() });
    open.push(r as PostgresReturner);
    expect(() => requireCapability(r, 'jobCache', 'master_job_cache')).not.toThrow();
  });
});
