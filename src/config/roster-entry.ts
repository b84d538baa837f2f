import { ConfigError } from '../errors.js';
import * as v from './validate.js';
import { parseSshOption } from './ssh-options.js';

/** One flat-roster host under salt's own keys, validated; also the shape of the master's `roster_defaults`, so config checks it on load. */
export interface RosterEntry {
  host?: string;
  port?: number;
  user?: string;
  passwd?: string;
  priv?: string;
  priv_passwd?: string;
  sudo?: boolean;
  sudo_user?: string;
  tty?: boolean;
  /** Seconds to establish the connection (salt's ssh ConnectTimeout). */
  timeout?: number;
  minion_opts?: Record<string, unknown>;
  connection?: 'ssh' | 'local';
  identities_only?: boolean;
  /** salt's thin directory: brine deploys no thin, so it is accepted with a one-time note (THIN_ONLY_KEYS). */
  thin_dir?: string;
  /** umask for the command, octal (`0077` as YAML 1.1 reads it, or `'077'`); normalised to `0077`. */
  cmd_umask?: string;
  /** PATH for the command, e.g. `$PATH:/usr/local/bin` (expanded by the host's shell, as salt's shim does). */
  set_path?: string;
  ssh_options?: string[];
  /** A local script uploaded and run before the command; a failing one fails the host (salt's pre-flight). */
  ssh_pre_flight?: string;
  ssh_pre_flight_args?: string | string[];
}

/** The roster keys that only configure salt's thin, which brine does not deploy. */
export const THIN_ONLY_KEYS: readonly string[] = ['thin_dir'];

/** An octal umask: YAML 1.1 reads `0077` as the int 63, a string is read as octal digits. */
const umask: v.Check<string> = (x) => {
  const value = typeof x === 'number' ? x : typeof x === 'string' && /^(?:0o)?[0-7]{1,4}$/.test(x) ? parseInt(x.replace(/^0o/, ''), 8) : NaN;
  return Number.isInteger(value) && value >= 0 && value <= 0o777
    ? { ok: true, value: `0${value.toString(8).padStart(3, '0')}` }
    : { ok: false, expected: "an octal umask such as 0077 or '022'" };
};

const connection: v.Check<'ssh' | 'local'> = (x) =>
  x === 'ssh' || x === 'local' ? { ok: true, value: x } : { ok: false, expected: "'ssh' or 'local'" };

/** The one table of valid keys, so the unknown-key message can list them. */
const FIELDS: { readonly [K in keyof RosterEntry]-?: v.Check<NonNullable<RosterEntry[K]>> } = {
  host: v.string,
  port: v.port,
  user: v.string,
  passwd: v.secret,
  priv: v.string,
  priv_passwd: v.secret,
  sudo: v.boolean,
  sudo_user: v.string,
  tty: v.boolean,
  timeout: v.timeoutSeconds,
  minion_opts: v.mapping,
  connection,
  identities_only: v.boolean,
  thin_dir: v.string,
  cmd_umask: umask,
  set_path: v.string,
  ssh_options: v.stringList,
  ssh_pre_flight: v.string,
  ssh_pre_flight_args: v.stringOrStringList,
};

export const ROSTER_KEYS: readonly string[] = Object.keys(FIELDS);

/**
 * Validates one entry. `where` prefixes errors (`roster.yaml: host 'web1'`).
 * A bare string is the host (salt's `web1: 10.0.0.1`); null is an entry with no keys (host = id).
 */
export function validateEntry(raw: unknown, where: string): RosterEntry {
  if (typeof raw === 'string') return { host: raw };
  if (raw === null || raw === undefined) return {};
  if (!v.isMapping(raw)) {
    throw new ConfigError(`${where}: must be a mapping or a host string (got ${v.describeValue(raw)})`);
  }
  const entry: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    const check = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof RosterEntry] : undefined;
    if (check === undefined) {
      throw new ConfigError(`${where}: unknown key '${v.clip(key)}' (valid: ${ROSTER_KEYS.join(', ')})`);
    }
    const value = raw[key];
    const res = (check as v.Check<unknown>)(value);
    if (!res.ok) {
      throw new ConfigError(`${where}: key '${key}' must be ${res.expected} (got ${v.describeGot(value, res)})`);
    }
    entry[key] = res.value;
  }
  // Checked here so an option brine cannot honour fails the run before any host is contacted.
  for (const option of (entry['ssh_options'] as string[] | undefined) ?? []) parseSshOption(option, `${where}: ssh_options`);
  return entry;
}
