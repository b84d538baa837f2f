/**
 * `salt-run returners.clean mysql`: retention for a returner's own tables (salt prunes them only as
 * master_job_cache), through the spawned CLI against a real MariaDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';

let db: TestDatabase;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

const DAY = 86_400;
const OLD_JID = '20200101000000000000';
const NEW_JID = '20990101000000000000';

/** Two old jobs (a week ago) and one fresh one in every table, with their alter_time set by hand. */
async function seed(): Promise<void> {
  for (const table of ['jids', 'salt_returns', 'salt_events']) await db.rows(`DELETE FROM ${table}`);
  for (const [jid, age] of [[OLD_JID, 7 * DAY], ['20200101000000000001', 7 * DAY], [NEW_JID, 60]] as const) {
    await db.rows('INSERT INTO jids (jid, `load`) VALUES (?, ?)', [jid, '{}']);
    await db.rows(
      "INSERT INTO salt_returns (fun, jid, `return`, id, success, full_ret, alter_time) VALUES ('test.ping', ?, 'true', 'h1', '1', '{}', NOW() - INTERVAL ? SECOND)",
      [jid, age],
    );
    await db.rows("INSERT INTO salt_events (tag, data, master_id, alter_time) VALUES (?, '{}', 'm', NOW() - INTERVAL ? SECOND)", [`salt/job/${jid}/new`, age]);
  }
}

const count = async (table: string) => Number((await db.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n);

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const cfg of configs) cfg.cleanup();
  await db?.drop();
});

describe('salt-run returners.clean mysql', () => {
  it('removes the rows older than keep_jobs_seconds in small batches and keeps the recent ones', async () => {
    await seed();
    const cfg = makeConfigDir(db.opts());
    configs.push(cfg);
    const res = await runCli('salt-run', ['-c', cfg.dir, 'returners.clean', 'mysql', `keep_jobs_seconds=${DAY}`, 'batch_size=1', '--out', 'json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ mysql: { jids: 2, salt_returns: 2, salt_events: 2 } });
    expect(await db.rows('SELECT jid FROM jids')).toEqual([{ jid: NEW_JID }]);
    expect(await count('salt_returns')).toBe(1);
    expect(await count('salt_events')).toBe(1);
  });

  it('reads mysql.keep_jobs_seconds from the config, and 0 keeps everything', async () => {
    await seed();
    const keepAll = makeConfigDir(db.opts({ 'mysql.keep_jobs_seconds': 0 }));
    const keepDay = makeConfigDir(db.opts({ 'mysql.keep_jobs_seconds': DAY }));
    configs.push(keepAll, keepDay);
    const none = await runCli('salt-run', ['-c', keepAll.dir, 'returners.clean', 'mysql', '--out', 'json']);
    expect(JSON.parse(none.stdout)).toEqual({ mysql: { jids: 0, salt_returns: 0, salt_events: 0 } });
    expect(await count('jids')).toBe(3);
    const some = await runCli('salt-run', ['-c', keepDay.dir, 'returners.clean', 'mysql', '--out', 'json']);
    expect(some.code).toBe(0);
    expect(JSON.parse(some.stdout)).toEqual({ mysql: { jids: 2, salt_returns: 2, salt_events: 2 } });
  });

  it('needs a returner name', async () => {
    const cfg = makeConfigDir(db.opts());
    configs.push(cfg);
    const res = await runCli('salt-run', ['-c', cfg.dir, 'returners.clean']);
    expect(res.code).toBe(64);
    expect(res.stderr).toMatch(/^salt-run: error: returners.clean: a returner name is required/);
  });
});
