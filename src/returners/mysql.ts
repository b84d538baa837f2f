/**
 * salt's `mysql` returner (salt/returners/mysql.py): the MySQL dialect (sql/mysql-dialect.ts) on the
 * shared SQL returner core (sql/returner.ts), which gives it idempotent batched delivery, deadlines,
 * reconnects and retention.
 *
 * Config keys (salt's, via returnerOptions): `mysql.host` ('salt'), `mysql.user` ('salt'),
 * `mysql.pass` ('salt'), `mysql.db` ('salt'), `mysql.port` (3306), `mysql.ssl_ca`, `mysql.ssl_cert`,
 * `mysql.ssl_key`, `mysql.unix_socket`; `<return_config>.mysql.*` first; `--return_kwargs` last.
 *
 * Schema (salt's docstring, utf8 or utf8mb4; `salt-run returners.init mysql` creates it):
 *   jids(jid varchar(255) UNIQUE, load mediumtext)
 *   salt_returns(fun, jid, return, id, success '1'/'0', full_ret, alter_time)  -- no unique (jid, id)
 *   salt_events(id BIGINT AUTO_INCREMENT, tag, data, alter_time, master_id)
 *
 * Idempotent without schema changes: under `GET_LOCK('brine.<db>.salt_returns')` (so two brine
 * processes cannot interleave), one transaction skips the (jid, id) pairs already stored.
 *
 * Deadlines: connect 4 s; lock waits 4 s (GET_LOCK, lock_wait_timeout, innodb_lock_wait_timeout);
 * a call that outlives 7 s has its connection destroyed. Errors carry a FailureScope: a value the
 * table cannot store is the item's fault; auth, unknown database or missing table the returner's.
 */
import { MYSQL_OPTIONS, type MysqlOptions } from './mysql-schema.js';
import { returnerOptions } from './options.js';
import { mysqlDialect } from './sql/mysql-dialect.js';
import { createSqlReturner, type SqlReturner } from './sql/returner.js';
import type { ReturnerLoadContext } from './types.js';

export { MYSQL_OPTIONS, type MysqlOptions };

export interface MysqlReturner extends SqlReturner {
  readonly options: MysqlOptions;
}

export function createReturner(ctx: ReturnerLoadContext): MysqlReturner {
  const options = returnerOptions('mysql', ctx.opts, ctx, MYSQL_OPTIONS);
  return { ...createSqlReturner(mysqlDialect(options), ctx), options };
}
