import { validateEntry } from './roster-entry.js';
import * as v from './validate.js';

/** The master/Saltfile keys brine reads, with their types; other keys pass through unchecked (salt has hundreds). */
const CHECKS: Readonly<Record<string, v.Check<unknown>>> = {
  config_dir: v.string,
  roster_file: v.string,
  cachedir: v.string,
  ssh_max_procs: v.positiveInt,
  ssh_max_output_bytes: v.positiveInt,
  ssh_user: v.string,
  ssh_passwd: v.secret,
  ssh_priv: v.string,
  ssh_priv_passwd: v.secret,
  ssh_port: v.port,
  ssh_sudo: v.boolean,
  ssh_sudo_user: v.string,
  ssh_timeout: v.timeoutSeconds,
  ssh_identities_only: v.boolean,
  ssh_minion_opts: v.mapping,
  ssh_wipe: v.boolean,
  ssh_log_file: v.string,
  ssh_known_hosts_file: v.string,
  ssh_config_file: v.string,
  roster_defaults: v.mapping,
  nodegroups: v.mapping,
  ssh_list_nodegroups: v.mapping,
  keep_jobs_seconds: v.nonNegativeNumber,
  keep_jobs: v.nonNegativeNumber,
  timeout: v.timeoutSeconds,
  master_job_cache: v.string,
  ext_job_cache: v.string,
};

/** Whether brine reads this master/Saltfile key. */
export function isOptionKey(key: string): boolean {
  return Object.hasOwn(CHECKS, key);
}

/** Type-checks the known keys of one source (`where` = its file); throws a one-line ConfigError. */
export function checkOptions(opts: Readonly<Record<string, unknown>>, where: string): void {
  for (const key of Object.keys(opts)) {
    const check = Object.hasOwn(CHECKS, key) ? CHECKS[key] : undefined;
    if (check !== undefined) v.readOption(opts, key, check, where);
  }
  const rosterDefaults = opts['roster_defaults'];
  if (v.isMapping(rosterDefaults)) validateEntry(rosterDefaults, `${where}: roster_defaults`);
}

/** salt's dest for each salt-ssh flag spelling that differs from it (`max-procs` → `ssh_max_procs`). */
const FLAG_DESTS: Readonly<Record<string, string>> = {
  'max-procs': 'ssh_max_procs',
  user: 'ssh_user',
  passwd: 'ssh_passwd',
  priv: 'ssh_priv',
  'priv-passwd': 'ssh_priv_passwd',
  sudo: 'ssh_sudo',
  'identities-only': 'ssh_identities_only',
  wipe: 'ssh_wipe',
  'log-file': 'ssh_log_file',
  'ignore-host-keys': 'ignore_host_keys',
  'no-host-keys': 'no_host_keys',
  'raw-shell': 'raw_shell',
  raw: 'raw_shell',
  out: 'output',
  'rand-thin-dir': 'rand_thin_dir',
  'pre-flight': 'ssh_run_pre_flight',
  'key-deploy': 'ssh_key_deploy',
  'log-level': 'log_level',
  'log-file-level': 'log_level_logfile',
  'out-indent': 'output_indent',
  'output-indent': 'output_indent',
  'out-file': 'output_file',
  'output-file': 'output_file',
  'out-file-append': 'output_file_append',
  'output-file-append': 'output_file_append',
  'regen-thin': 'regen_thin',
  thin: 'regen_thin',
  askpass: 'ssh_askpass',
  hosts: 'list_hosts',
  'update-roster': 'ssh_update_roster',
  'scan-ports': 'ssh_scan_ports',
  'scan-timeout': 'ssh_scan_timeout',
  'remote-port-forwards': 'ssh_remote_port_forwards',
  'thin-extra-modules': 'thin_extra_mods',
  'min-extra-modules': 'min_extra_mods',
  'ssh-option': 'ssh_options',
};

/** Saltfile keys are option dests (`roster_file`); brine also accepts flag spellings (`roster-file`, `max-procs`, `user`). */
export function saltfileKeyToDest(key: string): string {
  return Object.hasOwn(FLAG_DESTS, key) ? (FLAG_DESTS[key] ?? key) : key.replace(/-/g, '_');
}
