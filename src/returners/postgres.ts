/**
 * salt's `postgres` returner (salt/returners/postgres.py): PostgreSQL with salt's JSON as text, on the
 * shared SQL returner core (sql/returner.ts) with the PostgreSQL dialect (sql/pg-dialect.ts); pgjsonb.ts
 * has the details both share (delivery, deadlines, failure scopes, unix socket host).
 *
 * Config keys (salt's; `<return_config>.returner.postgres.*` first, `--return_kwargs` last):
 * `returner.postgres.host` ('localhost'), `.user` ('salt'), `.passwd` ('salt' — not `pass`), `.db`
 * ('salt'), `.port` (5432). No TLS keys in salt, so none here. Master keys: `id` (→ master_id),
 * `keep_jobs_seconds`, `archive_jobs`. Unknown `returner.postgres.*` keys are refused.
 *
 * Schema (salt's 3007 docstring, pg-schema.ts; `salt-run returners.init postgres` creates it):
 *   jids(jid varchar(20) PRIMARY KEY, load text)
 *   salt_returns(fun, jid, return text, full_ret text, id, success 'true'/'false', alter_time) + 4 indexes
 *   salt_events(id bigint from seq_salt_events_id, tag, data text, alter_time, master_id) + tag index
 * Capabilities: the full master_job_cache, event_return, and clean_old_jobs.
 *
 * Deviations from salt: idempotent delivery as pgjsonb; a second save_load keeps the first load (salt
 * swallows the duplicate); get_fun works (salt's has MySQL back-ticks); retention and archive tables
 * (salt's postgres has no clean_old_jobs: brine's is pgjsonb's, so `keep_jobs_seconds` applies to both).
 */
import * as v from '../config/validate.js';
import { returnerOptions } from './options.js';
import { POSTGRES_OPTIONS, POSTGRES_TABLES, refuseUnknownKeys, type PostgresOptions } from './pg-schema.js';
import { pgDialect } from './sql/pg-dialect.js';
import { createSqlReturner, type SqlReturner } from './sql/returner.js';
import type { ReturnerLoadContext } from './types.js';

export interface PostgresReturner extends SqlReturner {
  readonly options: PostgresOptions;
}

export function createReturner(ctx: ReturnerLoadContext): PostgresReturner {
  refuseUnknownKeys('postgres', ctx.opts, POSTGRES_OPTIONS, ctx.returnConfig);
  const options = returnerOptions('returner.postgres', ctx.opts, ctx, POSTGRES_OPTIONS);
  const { passwd, ...rest } = options;
  const dialect = pgDialect(
    { ...rest, ...(passwd === undefined ? {} : { pass: passwd }) },
    {
      name: 'postgres',
      tables: POSTGRES_TABLES,
      jsonType: 'text',
      overwritesLoad: false,
      archives: v.readOption(ctx.opts, 'archive_jobs', v.boolean, 'master config') ?? false,
    },
  );
  return { ...createSqlReturner(dialect, ctx), options };
}
