import { join } from 'node:path';
import type { MasterOptions } from '../config/types.js';
import { DEFAULTS } from '../config/defaults.js';
import * as v from '../config/validate.js';
import type { HostTarget } from '../transport/types.js';
import { validateEntry, type RosterEntry } from '../config/roster-entry.js';
import { commandSettings } from './command-settings.js';

/** CLI flags that set salt's ssh_* defaults (`--user`, `--passwd`, `--priv`, `--priv-passwd`, `--sudo`, `--identities-only`); undefined = not given. */
export interface TargetFlags {
  user?: string;
  passwd?: string;
  priv?: string;
  privPasswd?: string;
  sudo?: boolean;
  identitiesOnly?: boolean;
}

/** Everything below a roster entry: brine defaults < master ssh_* keys < CLI flags, plus `roster_defaults`. */
export interface TargetDefaults {
  user: string;
  port: number;
  passwd?: string;
  priv?: string;
  privPasswd?: string;
  sudo: boolean;
  sudoUser?: string;
  connectTimeoutSec: number;
  identitiesOnly: boolean;
  /** `ssh_minion_opts`, under each entry's `minion_opts`. */
  minionOpts?: Record<string, unknown>;
  /** salt's `roster_defaults`, applied under each entry. */
  rosterDefaults: RosterEntry;
  /** For `~` in key paths. */
  homeDir: string;
  /** What the CLI flags set, apart from the config: they rank above ssh_config, the config's ssh_* keys below it. */
  fromFlags: Pick<TargetFlags, 'user' | 'priv' | 'identitiesOnly'>;
}

export interface TargetDefaultsInput {
  opts: MasterOptions;
  flags?: TargetFlags;
  /** brine's default login user (salt's is root). */
  osUser: string;
  homeDir: string;
  /** Names the config in errors, e.g. the master file path. */
  where?: string;
}

/** Empty strings mean "unset" in salt's defaults (`ssh_passwd: ""`). */
export function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** Builds the defaults once per run; flags override the config, as salt's flags set the ssh_* options. */
export function buildTargetDefaults(input: TargetDefaultsInput): TargetDefaults {
  const { opts, flags = {}, where = 'config' } = input;
  const read = <T>(key: string, check: v.Check<T>) => v.readOption(opts, key, check, where);
  const rosterDefaults = read('roster_defaults', v.mapping);
  const out: TargetDefaults = {
    user: nonEmpty(flags.user) ?? nonEmpty(read('ssh_user', v.string)) ?? input.osUser,
    port: read('ssh_port', v.port) ?? DEFAULTS.sshPort,
    sudo: flags.sudo ?? read('ssh_sudo', v.boolean) ?? false,
    connectTimeoutSec: read('ssh_timeout', v.timeoutSeconds) ?? DEFAULTS.connectTimeoutSec,
    identitiesOnly: flags.identitiesOnly ?? read('ssh_identities_only', v.boolean) ?? false,
    rosterDefaults: rosterDefaults === undefined ? {} : validateEntry(rosterDefaults, `${where}: roster_defaults`),
    homeDir: input.homeDir,
    fromFlags: {},
  };
  const flagUser = nonEmpty(flags.user);
  const flagPriv = nonEmpty(flags.priv);
  if (flagUser !== undefined) out.fromFlags.user = flagUser;
  if (flagPriv !== undefined) out.fromFlags.priv = flagPriv;
  if (flags.identitiesOnly !== undefined) out.fromFlags.identitiesOnly = flags.identitiesOnly;
  const passwd = nonEmpty(flags.passwd) ?? nonEmpty(read('ssh_passwd', v.secret));
  const priv = nonEmpty(flags.priv) ?? nonEmpty(read('ssh_priv', v.string));
  const privPasswd = nonEmpty(flags.privPasswd) ?? nonEmpty(read('ssh_priv_passwd', v.secret));
  const sudoUser = nonEmpty(read('ssh_sudo_user', v.string));
  const minionOpts = read('ssh_minion_opts', v.mapping);
  if (passwd !== undefined) out.passwd = passwd;
  if (priv !== undefined) out.priv = priv;
  if (privPasswd !== undefined) out.privPasswd = privPasswd;
  if (sudoUser !== undefined) out.sudoUser = sudoUser;
  if (minionOpts !== undefined) out.minionOpts = minionOpts;
  return out;
}

/** `~` and `~/x` expand to the home dir; salt's `agent-forwarding` priv means no key file. */
export function keyPath(priv: string | undefined, homeDir: string): string | undefined {
  if (priv === undefined || priv === '' || priv === 'agent-forwarding') return undefined;
  if (priv === '~') return homeDir;
  if (priv.startsWith('~/')) return join(homeDir, priv.slice(2));
  return priv;
}

/**
 * Resolves one roster entry: entry > roster_defaults > flags > config > brine defaults (salt's order).
 * `host` defaults to the id; `connection: local` keeps host/port but runs on the local transport.
 */
export function resolveTarget(id: string, entry: RosterEntry, defaults: TargetDefaults): HostTarget {
  // salt deep-copies roster_defaults and then update()s it with the entry: a shallow overlay.
  const e: RosterEntry = { ...defaults.rosterDefaults, ...entry };
  const target: HostTarget = {
    id,
    host: nonEmpty(e.host) ?? id,
    port: e.port ?? defaults.port,
    user: nonEmpty(e.user) ?? defaults.user,
    sudo: e.sudo ?? defaults.sudo,
    tty: e.tty ?? false,
    connectTimeoutSec: e.timeout ?? defaults.connectTimeoutSec,
    identitiesOnly: e.identities_only ?? defaults.identitiesOnly,
    connection: e.connection ?? 'ssh',
  };
  const passwd = nonEmpty(e.passwd) ?? defaults.passwd;
  const priv = keyPath(e.priv ?? defaults.priv, defaults.homeDir);
  const privPasswd = nonEmpty(e.priv_passwd) ?? defaults.privPasswd;
  const sudoUser = nonEmpty(e.sudo_user) ?? defaults.sudoUser;
  if (passwd !== undefined) target.passwd = passwd;
  if (priv !== undefined) target.priv = priv;
  if (privPasswd !== undefined) target.privPasswd = privPasswd;
  if (sudoUser !== undefined) target.sudoUser = sudoUser;
  if (defaults.minionOpts !== undefined || e.minion_opts !== undefined) {
    target.minionOpts = { ...defaults.minionOpts, ...e.minion_opts };
  }
  const command = commandSettings(e, defaults.homeDir);
  if (command !== undefined) target.command = command;
  return target;
}
