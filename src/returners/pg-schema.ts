/**
 * salt's two PostgreSQL returners' keys and DDL: pgjsonb (JSON as jsonb, gin indexes) and postgres
 * (JSON as text). The DDL is salt's docstrings' verbatim apart from IF NOT EXISTS, so a database
 * made by salt keeps working and `salt-run returners.init` makes one salt can use.
 */
import { ConfigError } from '../errors.js';
import type { MasterOptions } from '../config/types.js';
import type { OptionSchema, ReturnerOptionValues } from './options.js';
import type { SaltTable } from './sql/types.js';

/** `returner.pgjsonb.<key>` and the module defaults of salt's pgjsonb.py (`host` is localhost in its code). */
export const PGJSONB_OPTIONS = {
  host: { kind: 'string', default: 'localhost' },
  user: { kind: 'string', default: 'salt' },
  pass: { kind: 'string', default: 'salt' },
  db: { kind: 'string', default: 'salt' },
  port: { kind: 'int', default: 5432 },
  sslmode: { kind: 'string' },
  sslcert: { kind: 'string' },
  sslkey: { kind: 'string' },
  sslrootcert: { kind: 'string' },
  sslcrl: { kind: 'string' },
} as const satisfies OptionSchema;

/** `returner.postgres.<key>` of salt's postgres.py: the password is `passwd`, and there are no TLS keys. */
export const POSTGRES_OPTIONS = {
  host: { kind: 'string', default: 'localhost' },
  user: { kind: 'string', default: 'salt' },
  passwd: { kind: 'string', default: 'salt' },
  db: { kind: 'string', default: 'salt' },
  port: { kind: 'int', default: 5432 },
} as const satisfies OptionSchema;

export type PgjsonbOptions = ReturnerOptionValues<typeof PGJSONB_OPTIONS>;
export type PostgresOptions = ReturnerOptionValues<typeof POSTGRES_OPTIONS>;

/** What the dialect connects with: pgjsonb's shape (postgres' `passwd` becomes `pass`, no TLS). */
export type PgConnectOptions = Partial<PgjsonbOptions>;

const EVENTS_SEQUENCE = 'CREATE SEQUENCE IF NOT EXISTS seq_salt_events_id;';

/** salt's pgjsonb.py docstring schema. */
export const PGJSONB_TABLES: Readonly<Record<SaltTable, string>> = {
  jids: `CREATE TABLE IF NOT EXISTS jids (
   jid varchar(255) NOT NULL primary key,
   load jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_jids_jsonb on jids
       USING gin (load)
       WITH (fastupdate=on);`,
  salt_returns: `CREATE TABLE IF NOT EXISTS salt_returns (
  fun varchar(50) NOT NULL,
  jid varchar(255) NOT NULL,
  return jsonb NOT NULL,
  id varchar(255) NOT NULL,
  success varchar(10) NOT NULL,
  full_ret jsonb NOT NULL,
  alter_time TIMESTAMP WITH TIME ZONE DEFAULT NOW());
CREATE INDEX IF NOT EXISTS idx_salt_returns_id ON salt_returns (id);
CREATE INDEX IF NOT EXISTS idx_salt_returns_jid ON salt_returns (jid);
CREATE INDEX IF NOT EXISTS idx_salt_returns_fun ON salt_returns (fun);
CREATE INDEX IF NOT EXISTS idx_salt_returns_return ON salt_returns
    USING gin (return) with (fastupdate=on);
CREATE INDEX IF NOT EXISTS idx_salt_returns_full_ret ON salt_returns
    USING gin (full_ret) with (fastupdate=on);`,
  salt_events: `${EVENTS_SEQUENCE}
CREATE TABLE IF NOT EXISTS salt_events (
    id BIGINT NOT NULL UNIQUE DEFAULT nextval('seq_salt_events_id'),
    tag varchar(255) NOT NULL,
    data jsonb NOT NULL,
    alter_time TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    master_id varchar(255) NOT NULL);
CREATE INDEX IF NOT EXISTS idx_salt_events_tag on
    salt_events (tag);
CREATE INDEX IF NOT EXISTS idx_salt_events_data ON salt_events
    USING gin (data) with (fastupdate=on);`,
};

/** salt's postgres.py docstring schema (3007). */
export const POSTGRES_TABLES: Readonly<Record<SaltTable, string>> = {
  jids: `CREATE TABLE IF NOT EXISTS jids (
  jid varchar(20) PRIMARY KEY,
  load text NOT NULL
);`,
  salt_returns: `CREATE TABLE IF NOT EXISTS salt_returns (
  fun varchar(50) NOT NULL,
  jid varchar(255) NOT NULL,
  return text NOT NULL,
  full_ret text,
  id varchar(255) NOT NULL,
  success varchar(10) NOT NULL,
  alter_time TIMESTAMP WITH TIME ZONE DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_salt_returns_id ON salt_returns (id);
CREATE INDEX IF NOT EXISTS idx_salt_returns_jid ON salt_returns (jid);
CREATE INDEX IF NOT EXISTS idx_salt_returns_fun ON salt_returns (fun);
CREATE INDEX IF NOT EXISTS idx_salt_returns_updated ON salt_returns (alter_time);`,
  salt_events: `${EVENTS_SEQUENCE}
CREATE TABLE IF NOT EXISTS salt_events (
  id BIGINT NOT NULL UNIQUE DEFAULT nextval('seq_salt_events_id'),
  tag varchar(255) NOT NULL,
  data text NOT NULL,
  alter_time TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  master_id varchar(255) NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_salt_events_tag on salt_events (tag);`,
};

/** Keys salt's own docstrings name but its code never reads: refused with the key salt reads instead. */
const MISREAD: Readonly<Record<string, string>> = { ssl_ca: 'sslrootcert', ssl_cert: 'sslcert', ssl_key: 'sslkey', password: 'pass', passwd: 'pass', pass: 'passwd' };
/** brine's own key under the returner's short name (`salt-run returners.clean`). */
const OWN_SHORT_KEYS = new Set(['keep_jobs_seconds']);

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `returner.<name>.<attr>` the options spell, flat or as nested mappings, with the key to name in errors. */
function spelledAttrs(opts: MasterOptions, name: string, scope: string): Array<[string, string]> {
  const base = `${scope}returner.${name}`;
  const found: Array<[string, string]> = [];
  for (const key of Object.keys(opts)) if (key.startsWith(`${base}.`)) found.push([key, key.slice(base.length + 1)]);
  const parent = opts[`${scope}returner`];
  const nested = [opts[base], isMapping(parent) ? parent[name] : undefined];
  for (const node of nested) if (isMapping(node)) for (const attr of Object.keys(node)) found.push([`${base}.${attr}`, attr]);
  return found;
}

/**
 * Refuses `returner.<name>.<attr>` keys salt does not read (and pgjsonb's docstring spelling
 * `<cfg>.pgjsonb.<attr>`), so a typo never silently falls back to a default database.
 */
export function refuseUnknownKeys(name: 'pgjsonb' | 'postgres', opts: MasterOptions, schema: OptionSchema, returnConfig?: string): void {
  const valid = Object.keys(schema);
  const prefix = `returner.${name}.`;
  const scopes = returnConfig ? ['', `${returnConfig}.`] : [''];
  for (const [key, attr] of scopes.flatMap((scope) => spelledAttrs(opts, name, scope))) {
    if (valid.includes(attr)) continue;
    const instead = MISREAD[attr];
    const hint = instead !== undefined && valid.includes(instead) ? `; salt reads ${prefix}${instead}` : '';
    throw new ConfigError(`${key}: salt's ${name} returner has no such key (valid: ${valid.join(', ')})${hint}`);
  }
  const short = new RegExp(`^(?!returner\\.)(?:[\\w-]+\\.)?${name}\\.(\\w+)$`);
  for (const key of Object.keys(opts)) {
    const attr = short.exec(key)?.[1];
    if (attr !== undefined && !OWN_SHORT_KEYS.has(attr)) {
      throw new ConfigError(`${key}: salt's ${name} returner reads ${prefix}<key> (e.g. ${prefix}host), not ${name}.<key>`);
    }
  }
}

/**
 * jsonb refuses the `\u0000` escape (a NUL in a string). Stored instead as the literal text `\u0000`,
 * and a literal backslash run before `u0000` doubled, so reading halves it back: on JSON text, every run
 * of backslashes directly before `u0000` is doubled on the way in and halved on the way out.
 */
export const JSONB_NUL_CODEC = {
  store: (text: string): string => text.replace(/(\\+)u0000/g, (_, run: string) => `${run}${run}u0000`),
  load: (text: string): string => text.replace(/(\\+)u0000/g, (_, run: string) => `${run.slice(run.length / 2)}u0000`),
};
