/** A throwaway MariaDB database + user for one test file, created as root over the socket, dropped after. */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { MYSQL_TABLES } from '../../src/returners/mysql-schema.js';

export const MYSQL_SOCKET = '/run/mysqld/mysqld.sock';

export interface TestDatabase {
  db: string;
  user: string;
  pass: string;
  /** Root connection to the test database (for assertions). */
  root: mysql.Connection;
  /** salt master options pointing at the database through `host:port` (default 127.0.0.1:3306). */
  opts(extra?: Record<string, unknown>, port?: number): Record<string, unknown>;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Server-wide connections opened so far (`SHOW GLOBAL STATUS LIKE 'Connections'`). */
  connections(): Promise<number>;
  drop(): Promise<void>;
}

/** `charset: 'utf8'` is the seed's 3-byte utf8; `tables: false` leaves the database empty. */
export async function createTestDatabase(options: { charset?: 'utf8' | 'utf8mb4'; tables?: boolean } = {}): Promise<TestDatabase> {
  const suffix = randomBytes(5).toString('hex');
  const db = `brine_t_${suffix}`;
  const user = `brine_u_${suffix}`;
  const pass = randomBytes(9).toString('base64url');
  const charset = options.charset ?? 'utf8';
  const admin = await mysql.createConnection({ socketPath: MYSQL_SOCKET, user: 'root', charset: 'utf8mb4' });
  await admin.query(`CREATE DATABASE \`${db}\` DEFAULT CHARACTER SET ${charset}`);
  for (const host of ['127.0.0.1', 'localhost']) {
    await admin.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${pass}'`);
    await admin.query(`GRANT ALL ON \`${db}\`.* TO '${user}'@'${host}'`);
  }
  await admin.query(`USE \`${db}\``);
  if (options.tables ?? true) {
    for (const ddl of Object.values(MYSQL_TABLES)) await admin.query(ddl.replace('CHARSET=utf8', `CHARSET=${charset}`));
  }
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const [result] = await admin.query(sql, params);
    return result as T[];
  };
  return {
    db,
    user,
    pass,
    root: admin,
    rows,
    opts: (extra = {}, port = 3306) => ({
      'mysql.host': '127.0.0.1',
      'mysql.port': port,
      'mysql.user': user,
      'mysql.pass': pass,
      'mysql.db': db,
      ...extra,
    }),
    async connections() {
      const [r] = await rows<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Connections'");
      return Number(r?.Value);
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
      for (const host of ['127.0.0.1', 'localhost']) await admin.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
      await admin.end();
    },
  };
}
