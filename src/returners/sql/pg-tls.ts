/**
 * libpq's TLS settings (salt passes `sslmode`, `sslcert`, `sslkey`, `sslrootcert`, `sslcrl` straight to
 * psycopg2) as node TLS options for pg; the files are read once, at start, naming the key when unreadable.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../../errors.js';
import type { PgConnectOptions } from '../pg-schema.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export interface TlsPlan {
  options: ConnectionOptions | false;
  /** sslmode prefer/allow: a server without TLS gets a plain connection. */
  fallsBack: boolean;
}

function readKeyFile(name: string, key: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`returner.${name}.${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** libpq's sslmode and file keys as node TLS options. Over a unix socket libpq never uses TLS, nor does brine. */
export function tlsPlan(name: string, o: PgConnectOptions): TlsPlan {
  const files = { ca: o.sslrootcert, cert: o.sslcert, key: o.sslkey, crl: o.sslcrl };
  const hasFiles = Object.values(files).some((f) => f !== undefined);
  const mode = o.sslmode ?? (hasFiles ? 'prefer' : 'disable');
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`returner.${name}.sslmode: expected one of ${SSL_MODES.join(', ')}, got '${mode}'`);
  }
  if (mode === 'disable' || (o.host ?? '').startsWith('/')) return { options: false, fallsBack: false };
  const options: ConnectionOptions = {};
  for (const [tlsKey, saltKey] of [['ca', 'sslrootcert'], ['cert', 'sslcert'], ['key', 'sslkey'], ['crl', 'sslcrl']] as const) {
    const text = readKeyFile(name, saltKey, files[tlsKey]);
    if (text !== undefined) options[tlsKey] = text;
  }
  // libpq: require verifies nothing unless a root certificate is given; verify-ca checks the chain only
  options.rejectUnauthorized = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && files.ca !== undefined);
  if (mode !== 'verify-full') options.checkServerIdentity = () => undefined;
  return { options, fallsBack: mode === 'prefer' || mode === 'allow' };
}
