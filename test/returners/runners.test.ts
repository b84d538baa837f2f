import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { flush, init, pending, type ReturnersRunnerContext } from '../../src/runners/returners.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

describe('salt-run returners.*', () => {
  let dir: string;
  let cache: LocalJobCache;
  let db: TestDatabase;
  const ctx = (opts: Record<string, unknown>, warnings: string[] = []): ReturnersRunnerContext => ({
    cache,
    opts,
    now: () => new Date(),
    warn: (line) => warnings.push(line),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-rr-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    db = await createTestDatabase({ tables: false });
  });
  afterAll(async () => {
    await cache.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returners.init mysql creates the tables', async () => {
    const res = await init.run(['mysql'], {}, ctx(db.opts()));
    expect(res).toEqual({ data: { mysql: `tables salt_returns, jids, salt_events ready in db ${db.db}` }, exitCode: 0 });
    expect(await db.rows("SHOW TABLES LIKE 'salt_returns'")).toHaveLength(1);
    await expect(init.run(['nosuch'], {}, ctx(db.opts()))).rejects.toThrow("returners.init: unknown returner 'nosuch'; valid returners: carbon, etcd, influxdb, local, local_cache, mattermost, memcache, multi_returner, mysql, pgjsonb, postgres, pushover, rawfile_json, redis, slack, slack_webhook, smtp, splunk, sqlite3, syslog, telegram");
  });

  it('returners.pending exits 75 while something waits; flush delivers it and exits 0', async () => {
    expect(await pending.run([], {}, ctx(db.opts()))).toEqual({ data: {}, exitCode: ExitCode.OK });
    const jid = testJid();
    await cache.saveLoad({ load: jobLoad(jid), minions: ['p1', 'p2'], startedAt: Date.now() }, ['mysql', 'event:mysql']);
    for (const id of ['p1', 'p2']) await cache.saveReturn(hostReturn(jid, id), ['mysql', 'event:mysql']);

    const closed = await startTcpProxy();
    await closed.close();
    const warnings: string[] = [];
    const failed = await flush.run(['mysql'], { timeout: 0.3 }, ctx(db.opts({}, closed.port), warnings));
    expect(failed.exitCode).toBe(ExitCode.TEMP_FAIL);
    expect(failed.data).toMatchObject({ mysql: { delivered: 0, pending: 3 }, 'event:mysql': { delivered: 0, pending: 3 } });
    expect(warnings).toHaveLength(2);

    const waiting = await pending.run([], {}, ctx(db.opts()));
    expect(waiting.exitCode).toBe(ExitCode.TEMP_FAIL);
    expect(waiting.data).toMatchObject({ mysql: { count: 3, oldest_jid: jid }, 'event:mysql': { count: 3, oldest_jid: jid } });
    expect((waiting.data as Record<string, { last_error?: string }>)['mysql']?.last_error).toContain(`127.0.0.1:${closed.port}`);

    const done = await flush.run([], {}, ctx(db.opts()));
    expect(done).toEqual({ data: { mysql: { delivered: 3, pending: 0 }, 'event:mysql': { delivered: 3, pending: 0 } }, exitCode: 0 });
    expect(await db.rows('SELECT id FROM salt_returns WHERE jid = ? ORDER BY id', [jid])).toEqual([{ id: 'p1' }, { id: 'p2' }]);
    expect(await db.rows('SELECT tag FROM salt_events WHERE tag LIKE ? ORDER BY tag', [`salt/job/${jid}/%`])).toHaveLength(3);
    expect((await pending.run(['mysql'], {}, ctx(db.opts()))).exitCode).toBe(ExitCode.OK);
  });
});
