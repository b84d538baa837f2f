/**
 * salt's `pgjsonb` returner (salt/returners/pgjsonb.py): PostgreSQL with salt's JSON in jsonb columns,
 * on the shared SQL returner core (sql/returner.ts) with the PostgreSQL dialect (sql/pg-dialect.ts).
 *
 * Config keys (salt's, via returnerOptions; `<return_config>.returner.pgjsonb.*` first, `--return_kwargs`
 * last by the attribute name): `returner.pgjsonb.host` ('localhost', as salt's code; a path starting with
 * `/` is the unix socket directory, as in libpq), `.user` ('salt'), `.pass` ('salt'), `.db` ('salt'),
 * `.port` (5432), `.sslmode`, `.sslcert`, `.sslkey`, `.sslrootcert`, `.sslcrl` (libpq's meanings; the
 * files are read at start). Master keys: `id` (→ salt_events.master_id), `keep_jobs_seconds` (retention
 * as master_job_cache; `salt-run returners.clean pgjsonb`), `archive_jobs` (retention moves rows into
 * jids_archive, salt_returns_archive, salt_events_archive, made with `CREATE TABLE … (LIKE …)` as salt does).
 * A `returner.pgjsonb.*` key salt does not read, or the docstring's `alternative.pgjsonb.*`/`ssl_ca`
 * spellings, is refused with the key salt reads.
 *
 * Schema (salt's docstring, pg-schema.ts; `salt-run returners.init pgjsonb` creates it, IF NOT EXISTS):
 *   jids(jid varchar(255) PRIMARY KEY, load jsonb) + gin index
 *   salt_returns(fun, jid, return jsonb, id, success 'true'/'false', full_ret jsonb, alter_time) + 5 indexes
 *   salt_events(id bigint from seq_salt_events_id, tag, data jsonb, alter_time, master_id) + 2 indexes
 * Capabilities: the full master_job_cache (save_load, get_load, get_jid, get_jids, get_fun, get_minions,
 * prep_jid; save_minions is salt's no-op), event_return, clean_old_jobs.
 *
 * Deviations from salt, and why:
 * - Delivery is idempotent without a unique (jid, id): under `pg_advisory_lock(hashtext('brine.<db>.salt_returns'))`
 *   one transaction skips the pairs already stored and inserts the rest in multi-row INSERTs.
 * - get_fun: salt's SQL has MySQL back-ticks (a syntax error on PostgreSQL); brine answers {id: latest jid}.
 * - get_jids lists every saved load as stored; salt's joins salt_returns (a job without returns is missing)
 *   and replaces Target with the list of hosts that returned.
 * - A NUL (`\u0000`) in a string, which jsonb refuses, is stored as the text `\u0000` (a literal backslash
 *   run before `u0000` is doubled), and brine reads it back as NUL; salt's INSERT fails.
 * - alter_time is the server's now() (the column default), not the client's clock.
 * - sslmode unset means no TLS (libpq's `prefer` would fall back to plaintext anyway); `prefer`/`allow`
 *   try TLS and fall back to a plain connection when the server has none. No TLS over a unix socket.
 * - A connection failure keeps the returns queued for redelivery (salt logs and drops them).
 * Deadlines: connect 4 s, lock_timeout 4 s (the advisory lock and row/table locks), statement_timeout 7 s,
 * and a call that outlives 7 s has its socket destroyed. A varchar or jsonb value the server refuses
 * (SQLSTATE class 22) is the item's fault; auth, unknown database, missing table the returner's.
 */
import * as v from '../config/validate.js';
import { returnerOptions } from './options.js';
import { JSONB_NUL_CODEC, PGJSONB_OPTIONS, PGJSONB_TABLES, refuseUnknownKeys, type PgjsonbOptions } from './pg-schema.js';
import { pgDialect } from './sql/pg-dialect.js';
import { createSqlReturner, type SqlReturner } from './sql/returner.js';
import type { ReturnerLoadContext } from './types.js';

export interface PgjsonbReturner extends SqlReturner {
  readonly options: PgjsonbOptions;
}

export function createReturner(ctx: ReturnerLoadContext): PgjsonbReturner {
  refuseUnknownKeys('pgjsonb', ctx.opts, PGJSONB_OPTIONS, ctx.returnConfig);
  const options = returnerOptions('returner.pgjsonb', ctx.opts, ctx, PGJSONB_OPTIONS);
  const dialect = pgDialect(options, {
    name: 'pgjsonb',
    tables: PGJSONB_TABLES,
    jsonType: 'jsonb',
    overwritesLoad: true,
    archives: v.readOption(ctx.opts, 'archive_jobs', v.boolean, 'master config') ?? false,
    extra: { jsonAsText: (column) => `"${column}"::text`, jsonCodec: JSONB_NUL_CODEC },
  });
  return { ...createSqlReturner(dialect, ctx), options };
}
