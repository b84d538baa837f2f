import type { OptionSchema, ReturnerOptionValues } from './options.js';
import type { TextEncoding } from './salt-json.js';

/** salt's mysql returner keys and module defaults (`mysql.<key>`). */
export const MYSQL_OPTIONS = {
  host: { kind: 'string', default: 'salt' },
  user: { kind: 'string', default: 'salt' },
  pass: { kind: 'string', default: 'salt' },
  db: { kind: 'string', default: 'salt' },
  port: { kind: 'int', default: 3306 },
  ssl_ca: { kind: 'string' },
  ssl_cert: { kind: 'string' },
  ssl_key: { kind: 'string' },
  unix_socket: { kind: 'string' },
} as const satisfies OptionSchema;

export type MysqlOptions = ReturnerOptionValues<typeof MYSQL_OPTIONS>;

/** The DDL of salt's mysql returner docstring (and the seed), verbatim apart from IF NOT EXISTS. */
export const MYSQL_TABLES = {
  jids: `CREATE TABLE IF NOT EXISTS \`jids\` (
  \`jid\` varchar(255) NOT NULL,
  \`load\` mediumtext NOT NULL,
  UNIQUE KEY \`jid\` (\`jid\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  salt_returns: `CREATE TABLE IF NOT EXISTS \`salt_returns\` (
  \`fun\` varchar(50) NOT NULL,
  \`jid\` varchar(255) NOT NULL,
  \`return\` mediumtext NOT NULL,
  \`id\` varchar(255) NOT NULL,
  \`success\` varchar(10) NOT NULL,
  \`full_ret\` mediumtext NOT NULL,
  \`alter_time\` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  KEY \`id\` (\`id\`),
  KEY \`jid\` (\`jid\`),
  KEY \`fun\` (\`fun\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  salt_events: `CREATE TABLE IF NOT EXISTS \`salt_events\` (
  \`id\` BIGINT NOT NULL AUTO_INCREMENT,
  \`tag\` varchar(255) NOT NULL,
  \`data\` mediumtext NOT NULL,
  \`alter_time\` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  \`master_id\` varchar(255) NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`tag\` (\`tag\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
} as const;

export type MysqlTable = keyof typeof MYSQL_TABLES;

/** How a table's text columns must be escaped, from their character sets. */
export function encodingOf(charsets: readonly string[]): TextEncoding {
  if (charsets.every((c) => c === 'utf8mb4')) return 'utf8mb4';
  if (charsets.every((c) => c === 'utf8mb4' || c === 'utf8' || c === 'utf8mb3')) return 'bmp-only';
  return 'ascii-only';
}
