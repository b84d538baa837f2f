/**
 * A throwaway PostgreSQL database for one test file on the running server (127.0.0.1:5432, trust auth,
 * user postgres): `CREATE DATABASE brine_t_<random>`, optionally with salt's tables, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGJSONB_TABLES, POSTGRES_TABLES } from '../../src/returners/pg-schema.js';

export const PG_PORT = 5432;
export const PG_SOCKET_DIR = '/var/run/postgresql';

export type PgFlavourName = 'pgjsonb' | 'postgres';

export interface TestPgDatabase {
  db: string;
  /** A connection to the test database as postgres (for assertions and set-up). */
  client: pg.Client;
  /** Master options for `returner.<flavour>.*` pointing at the database through 127.0.0.1:`port`. */
  opts(extra?: Record<string, unknown>, port?: number): Record<string, unknown>;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

async function connect(database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user: 'postgres', database });
  // a dropped connection must fail the test, not the process
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** `tables: false` leaves the database empty (for returners.init). */
export async function createTestPgDatabase(flavour: PgFlavourName, options: { tables?: boolean } = {}): Promise<TestPgDatabase> {
  const db = `brine_t_${randomBytes(5).toString('hex')}`;
  const admin = await connect('postgres');
  try {
    await admin.query(`CREATE DATABASE ${db} WITH ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const client = await connect(db);
  if (options.tables ?? true) {
    for (const ddl of Object.values(flavour === 'pgjsonb' ? PGJSONB_TABLES : POSTGRES_TABLES)) await client.query(ddl);
  }
  const password = flavour === 'pgjsonb' ? 'pass' : 'passwd';
  return {
    db,
    client,
    opts: (extra = {}, port = PG_PORT) => ({
      [`returner.${flavour}.host`]: '127.0.0.1',
      [`returner.${flavour}.port`]: port,
      [`returner.${flavour}.user`]: 'postgres',
      [`returner.${flavour}.${password}`]: 'unused-with-trust',
      [`returner.${flavour}.db`]: db,
      ...extra,
    }),
    async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return (await client.query(sql, params)).rows as T[];
    },
    async drop() {
      await client.end();
      const admin2 = await connect('postgres');
      try {
        await admin2.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        await admin2.end();
      }
    },
  };
}
