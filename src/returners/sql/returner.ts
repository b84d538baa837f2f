/**
 * salt's returner functions over salt's three tables, for any SQL dialect. Delivery is idempotent
 * without schema changes: under the dialect's cross-process lock, one transaction skips the
 * (jid, id) pairs already stored and inserts the rest; events with salt's job tags are de-duplicated
 * by tag. Retention deletes by jid age and by alter_time.
 */
import { hostname } from 'node:os';
import type { HostReturn, JobLoad } from '../../core/job.js';
import { generateJid } from '../../salt/jid.js';
import { saltJson, type TextEncoding } from '../salt-json.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from '../types.js';
import { createSqlCore, DEFAULT_DEADLINES } from './core.js';
import { fullRet, orderedLoad } from './rows.js';
import type { SaltTable, SqlDeadlines, SqlDialect } from './types.js';

export interface SqlReturner extends Required<Returner> {
  /** Connections the pool has opened so far (the benchmark and tests check it stays tiny). */
  connectionsOpened(): number;
}

const RETURN_COLUMNS = ['fun', 'jid', 'return', 'id', 'success', 'full_ret'];
const EVENT_COLUMNS = ['tag', 'data', 'master_id'];
const JOB_TAG = 'salt/job/';
/** Rows per retention statement: short enough that concurrent inserts wait milliseconds. */
const DEFAULT_CLEAN_BATCH = 1000;

export function createSqlReturner(
  dialect: SqlDialect,
  ctx: Pick<ReturnerLoadContext, 'opts' | 'now'>,
  deadlines: SqlDeadlines = DEFAULT_DEADLINES,
): SqlReturner {
  const core = createSqlCore(dialect, deadlines);
  const { withConn, locked, insertRows, encodingFor, inList } = core;
  const q = (identifier: string): string => dialect.quote(identifier);
  const now = ctx.now ?? (() => new Date());
  const masterId = typeof ctx.opts['id'] === 'string' ? ctx.opts['id'] : `${hostname()}_master`;
  const select = (sql: string, params: readonly unknown[] = []) => withConn(async (c) => (await c.query(sql, params)).rows);
  const codec = dialect.jsonCodec;
  /** salt's JSON text for a JSON column, as the column can store it. */
  const toJson = (value: unknown, enc: TextEncoding): string => (codec ? codec.store(saltJson(value, enc)) : saltJson(value, enc));
  const fromJson = (value: unknown): unknown => JSON.parse(codec ? codec.load(String(value)) : String(value));
  const successText = dialect.successText ?? ((success: boolean) => (success ? '1' : '0'));
  const loadText = dialect.jsonAsText ? dialect.jsonAsText('load') : q('load');

  async function loadRows(sql: string, params: unknown[]): Promise<Array<{ jid: string; load: JobLoad }>> {
    const rows = await select(sql, params);
    return rows.map((r) => ({ jid: String(r['jid']), load: fromJson(r['load']) as JobLoad }));
  }

  /**
   * salt's clean_old_jobs (jids by age, or whose returns are old; returns and events by alter_time), one
   * short statement of at most `batchSize` rows at a time, so a big purge never holds the tables for long.
   */
  async function cleanOldRows(keepSeconds: number, limits: { batchSize?: number; maxBatches?: number } = {}): Promise<Record<SaltTable, number>> {
    const removed: Record<SaltTable, number> = { jids: 0, salt_returns: 0, salt_events: 0 };
    if (keepSeconds <= 0) return removed;
    const batchSize = Math.max(1, Math.trunc(limits.batchSize ?? DEFAULT_CLEAN_BATCH));
    const maxBatches = limits.maxBatches ?? Number.POSITIVE_INFINITY;
    const cutoffJid = generateJid(new Date(now().getTime() - keepSeconds * 1000), 0);
    const old = dialect.secondsAgo;
    const deletes: Array<[SaltTable, string, unknown[]]> = [
      ['jids', `jid < ? OR jid IN (SELECT jid FROM salt_returns WHERE alter_time < ${old})`, [cutoffJid, keepSeconds]],
      ['salt_returns', `alter_time < ${old}`, [keepSeconds]],
      ['salt_events', `alter_time < ${old}`, [keepSeconds]],
    ];
    if (dialect.beforeClean) await withConn((conn) => dialect.beforeClean?.(conn) ?? Promise.resolve());
    for (const [table, where, params] of deletes) {
      const sql = dialect.deleteBatch ? dialect.deleteBatch(table, where) : `DELETE FROM ${table} WHERE ${where} ${dialect.deleteLimit}`;
      for (let batch = 0; batch < maxBatches; batch++) {
        const { affectedRows } = await withConn((conn) => conn.query(sql, [...params, batchSize]));
        removed[table] += affectedRows;
        if (affectedRows < batchSize) break;
      }
    }
    return removed;
  }

  return {
    name: dialect.name,
    capabilities: { jobCache: true, events: true, retention: true },
    connectionsOpened: () => core.pool.opened(),

    async returner(rets: readonly HostReturn[]) {
      if (rets.length === 0) return;
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'salt_returns');
        await locked(conn, 'salt_returns', async () => {
          const jids = [...new Set(rets.map((r) => r.jid))];
          const have = await conn.query(`SELECT jid, id FROM salt_returns WHERE jid IN ${inList(jids)}`, jids);
          const seen = new Set(have.rows.map((r) => `${String(r['jid'])}\0${String(r['id'])}`));
          const rows: unknown[][] = [];
          for (const r of rets) {
            const key = `${r.jid}\0${r.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            rows.push([r.fun, r.jid, toJson(r.return, enc), r.id, successText(r.success), toJson(fullRet(r), enc)]);
          }
          await insertRows(conn, 'salt_returns', RETURN_COLUMNS, rows, (row) => `return of ${String(row[3])} in ${String(row[1])}`);
        });
      });
    },

    async saveLoad(jid: string, load: JobLoad) {
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'jids');
        const row = [jid, toJson(orderedLoad(load), enc)];
        core.checkRowSize(conn, row, `load of ${jid}`);
        // not an ignore-all INSERT: that would also hide a value the column cannot store
        await conn.query(`INSERT INTO jids (jid, ${q('load')}) VALUES (?, ?) ${dialect.ignoreDuplicate('jid')}`, row);
      });
    },

    async saveMinions() {
      // salt's SQL returners' save_minions is a no-op too: the schema has no place for them
    },

    async getLoad(jid: string) {
      const rows = await loadRows(`SELECT jid, ${q('load')} FROM jids WHERE jid = ?`, [jid]);
      return rows[0]?.load;
    },

    async getJid(jid: string) {
      const rows = await select('SELECT id, full_ret FROM salt_returns WHERE jid = ?', [jid]);
      // No prototype: a host id such as `__proto__` is a plain key.
      const out = Object.create(null) as Record<string, HostReturn>;
      for (const r of rows) out[String(r['id'])] = fromJson(r['full_ret']) as HostReturn;
      return out;
    },

    async getFun(fun: string) {
      const rows = await select('SELECT id, MAX(jid) AS jid FROM salt_returns WHERE fun = ? GROUP BY id', [fun]);
      return Object.fromEntries(rows.map((r) => [String(r['id']), String(r['jid'])]));
    },

    getJids: () => loadRows(`SELECT jid, ${q('load')} FROM jids ORDER BY jid`, []),

    async getJidsFilter(count: number, filterFindJob = true) {
      const filter = filterFindJob ? `WHERE ${loadText} NOT LIKE '%"fun": "saltutil.find_job"%'` : '';
      const rows = await loadRows(`SELECT jid, ${q('load')} FROM jids ${filter} ORDER BY jid DESC LIMIT ?`, [count]);
      return rows.reverse();
    },

    async getMinions() {
      const rows = await select('SELECT DISTINCT id FROM salt_returns ORDER BY id');
      return rows.map((r) => String(r['id']));
    },

    prepJid: async (passedJid?: string) => passedJid ?? generateJid(now()),

    async eventReturn(events: readonly SaltEvent[]) {
      if (events.length === 0) return;
      await withConn(async (conn) => {
        const enc = await encodingFor(conn, 'salt_events');
        await locked(conn, 'salt_events', async () => {
          // salt's job tags name one (jid, id): a redelivered one is skipped; other tags are free-form
          const jobTags = [...new Set(events.map((e) => e.tag).filter((t) => t.startsWith(JOB_TAG)))];
          const seen = new Set<string>();
          if (jobTags.length > 0) {
            const have = await conn.query(`SELECT tag FROM salt_events WHERE master_id = ? AND tag IN ${inList(jobTags)}`, [masterId, ...jobTags]);
            for (const r of have.rows) seen.add(String(r['tag']));
          }
          const rows: unknown[][] = [];
          for (const e of events) {
            if (seen.has(e.tag)) continue;
            if (e.tag.startsWith(JOB_TAG)) seen.add(e.tag);
            rows.push([e.tag, toJson(e.data, enc), masterId]);
          }
          await insertRows(conn, 'salt_events', EVENT_COLUMNS, rows, (row) => `event ${String(row[0])}`);
        });
      });
    },

    async cleanOldJobs(keepSeconds: number) {
      return (await cleanOldRows(keepSeconds))['jids'] ?? 0;
    },

    cleanOldRows: (keepSeconds, limits) => cleanOldRows(keepSeconds, limits),

    async init() {
      const tables = Object.keys(dialect.tables) as SaltTable[];
      await withConn(async (conn) => {
        for (const table of tables) await conn.query(dialect.tables[table]);
      });
      core.forgetEncodings();
      return `tables ${['salt_returns', 'jids', 'salt_events'].join(', ')} ready in db ${dialect.database}`;
    },

    close: () => core.close(),
  };
}
