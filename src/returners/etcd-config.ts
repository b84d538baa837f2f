/**
 * The etcd returner's settings as salt's etcd_return and salt.utils.etcd_util read them: top-level
 * `etcd.returner` / `etcd.returner_read_profile` / `etcd.returner_write_profile` name profiles
 * (top-level mappings of `etcd.*` keys); without a profile the `etcd.*` keys are read top-level.
 */
import { readFileSync } from 'node:fs';
import type { MasterOptions } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { EtcdEndpoint } from './etcd-v2.js';

export interface EtcdSettings {
  root: string;
  /** etcd.returner's endpoint: get_jid, get_jids, get_fun, get_minions, clean_old_jobs. */
  main: EtcdEndpoint;
  /** etcd.returner_read_profile's (get_load), else main. */
  read: EtcdEndpoint;
  /** etcd.returner_write_profile's (returner, save_load), else main. */
  write: EtcdEndpoint;
  /** etcd.ttl (of the write profile when there is one): seconds, 0 = no TTL. */
  ttl: number;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(conf: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = conf[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (isRecord(value) || Array.isArray(value)) throw new ConfigError(`${where}${key}: expected a string, got ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
  return String(value);
}

function integer(conf: Record<string, unknown>, key: string, where: string, fallback: number): number {
  const value = text(conf, key, where);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${where}${key}: expected a non-negative integer, got '${value}'`);
  return Number(value.trim());
}

function profile(opts: MasterOptions, key: string): { conf: Record<string, unknown>; where: string } {
  const name = text(opts, key, '');
  if (name === undefined) return { conf: opts, where: '' };
  const conf = opts[name];
  if (!isRecord(conf)) throw new ConfigError(`${key}: profile '${name}' is not a mapping in the master config`);
  return { conf, where: `${name}: ` };
}

function pem(conf: Record<string, unknown>, key: string, where: string): Buffer | undefined {
  const file = text(conf, key, where);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${where}${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function endpoint(conf: Record<string, unknown>, where: string): EtcdEndpoint {
  const requireV2 = (text(conf, 'etcd.require_v2', where) ?? 'true').toLowerCase();
  if (FALSE.has(requireV2)) {
    throw new ConfigError(`${where}etcd.require_v2: False asks for etcd's v3 API; brine's etcd returner speaks v2 (etcd ≥ 3.4 started with --enable-v2): set it to True`);
  }
  if (!TRUE.has(requireV2)) throw new ConfigError(`${where}etcd.require_v2: expected True or False, got '${requireV2}'`);
  const username = text(conf, 'etcd.username', where);
  const password = text(conf, 'etcd.password', where);
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(`${where}etcd.${password === undefined ? 'password' : 'username'}: etcd.username and etcd.password go together`);
  }
  const ca = pem(conf, 'etcd.ca', where);
  const cert = pem(conf, 'etcd.client_cert', where);
  const key = pem(conf, 'etcd.client_key', where);
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError(`${where}etcd.client_cert: etcd.client_cert and etcd.client_key go together`);
  const tls = ca || cert ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  return { host: text(conf, 'etcd.host', where) ?? '127.0.0.1', port: integer(conf, 'etcd.port', where, 2379), username, password, tls };
}

export function etcdSettings(opts: MasterOptions): EtcdSettings {
  const main = profile(opts, 'etcd.returner');
  const read = text(opts, 'etcd.returner_read_profile', '') ? profile(opts, 'etcd.returner_read_profile') : main;
  const write = text(opts, 'etcd.returner_write_profile', '') ? profile(opts, 'etcd.returner_write_profile') : main;
  // salt reads etcd.ttl from the write profile when one is named, else top-level
  const ttlConf = text(opts, 'etcd.returner_write_profile', '') ? write : { conf: opts, where: '' };
  const root = (text(opts, 'etcd.returner_root', '') ?? '/salt/return').replace(/\/+$/, '');
  if (!root.startsWith('/')) throw new ConfigError(`etcd.returner_root: expected a path starting with /, got '${root}'`);
  return {
    root,
    main: endpoint(main.conf, main.where),
    read: endpoint(read.conf, read.where),
    write: endpoint(write.conf, write.where),
    ttl: integer(ttlConf.conf, 'etcd.ttl', ttlConf.where, 0),
  };
}
