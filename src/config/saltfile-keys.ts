/**
 * Every key a Saltfile's `salt-ssh:` section may hold, and what brine does with it. salt reads only
 * its salt-ssh option dests there and ignores anything else; brine honours a key, notes that a thin
 * key has nothing to do, or refuses it in one line, so a Saltfile never silently does nothing.
 */
import * as v from './validate.js';

const integer: v.Check<number> = (x) => (Number.isInteger(x) ? { ok: true, value: x as number } : { ok: false, expected: 'an integer' });

/** Option dests the command applies itself when its flag is not given (src/run/saltfile-flags.ts). */
export const SALTFILE_FLAG_CHECKS: Readonly<Record<string, v.Check<unknown>>> = {
  output: v.string,
  output_indent: integer,
  output_file: v.string,
  output_file_append: v.boolean,
  no_color: v.boolean,
  force_color: v.boolean,
  static: v.boolean,
  verbose: v.boolean,
  raw_shell: v.boolean,
  ignore_host_keys: v.boolean,
  no_host_keys: v.boolean,
  ssh_key_deploy: v.boolean,
  ssh_run_pre_flight: v.boolean,
  delimiter: v.string,
  return: v.stringOrStringList,
  return_config: v.string,
  return_kwargs: v.anyValue,
  timeout: v.timeoutSeconds,
};

/** salt-ssh dests that only configure salt's thin: accepted with a one-time note (brine deploys no thin). */
export const SALTFILE_THIN_KEYS: readonly string[] = [
  'ssh_wipe',
  'rand_thin_dir',
  'regen_thin',
  'thin_extra_mods',
  'min_extra_mods',
  'extra_filerefs',
  'python2_bin',
  'python3_bin',
  'relenv',
  'thin_exclude_saltexts',
  'refresh_cache',
];

/** salt-ssh dests brine does not do, with the reason given in the one-line error. */
export const SALTFILE_REFUSED: Readonly<Record<string, string>> = {
  roster: "brine reads only salt's flat roster (roster_file)",
  ssh_update_roster: 'brine never writes the roster; add the host to it',
  ssh_scan_ports: 'brine has no scan roster',
  ssh_scan_timeout: 'brine has no scan roster',
  ssh_remote_port_forwards: 'brine does not forward remote ports',
  ssh_askpass: 'a Saltfile cannot prompt; pass --askpass',
  list_hosts: 'listing hosts is an action; pass -H',
  jid: 'a jid belongs to one run; pass --jid',
  hard_crash: 'set DEBUG=1 for stack traces',
  no_parse: 'brine YAML-loads every argument, as salt does by default',
  state_output: 'brine runs no states',
  state_verbose: 'brine runs no states',
  pcre: 'choose the target type on the command line',
  list: 'choose the target type on the command line',
  grain: 'choose the target type on the command line',
  grain_pcre: 'choose the target type on the command line',
  nodegroup: 'choose the target type on the command line',
  range: 'brine has no range target',
  log_level: 'the log starts before the Saltfile is read; pass -l/--log-level',
  log_level_logfile: 'the log starts before the Saltfile is read; pass --log-file-level',
  ssh_log_file: 'the log starts before the Saltfile is read; pass --log-file',
};

/** Master keys that other parts of brine read from the merged options (flag > Saltfile > master). */
export const SALTFILE_MASTER_KEYS: readonly string[] = ['job_cache', 'event_return', 'user', 'ssh_options', 'ssh_lock', 'ssh_run_deadline'];
