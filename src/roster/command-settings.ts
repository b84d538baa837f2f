/** Roster `set_path`, `cmd_umask`, `ssh_pre_flight(_args)` as the job's CommandSettings. */
import { join } from 'node:path';
import type { RosterEntry } from '../config/roster-entry.js';
import type { CommandSettings } from '../transport/types.js';

/** salt splits a string of pre-flight arguments on whitespace. */
function preFlightArgs(args: string | string[] | undefined): string[] {
  if (args === undefined) return [];
  return typeof args === 'string' ? args.split(/\s+/).filter((arg) => arg !== '') : args;
}

/** `~/x` from the home dir; a relative path is read from the working directory when the run loads it. */
function localPath(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  return path.startsWith('~/') ? join(homeDir, path.slice(2)) : path;
}

export function commandSettings(entry: RosterEntry, homeDir: string): CommandSettings | undefined {
  const settings: CommandSettings = {};
  if (entry.set_path !== undefined && entry.set_path !== '') settings.setPath = entry.set_path;
  if (entry.cmd_umask !== undefined) settings.umask = entry.cmd_umask;
  if (entry.ssh_pre_flight !== undefined && entry.ssh_pre_flight !== '') {
    settings.preFlight = { script: localPath(entry.ssh_pre_flight, homeDir), args: preFlightArgs(entry.ssh_pre_flight_args) };
  }
  return Object.keys(settings).length === 0 ? undefined : settings;
}
