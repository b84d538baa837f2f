/**
 * One note per run for settings that only configure salt's thin (or the salt-call it runs), which
 * brine does not deploy: accepted so shared salt configs keep working, said once so nothing is
 * silently ignored.
 */
import { THIN_ONLY_KEYS } from '../config/roster-entry.js';
import { SALTFILE_THIN_KEYS } from '../config/saltfile-keys.js';
import type { Roster } from '../roster/load.js';

/** minion_opts keys brine honours: `grains` (static grains, merged into grains.*). */
const HONOURED_MINION_OPTS = ['grains'];

function hostsList(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

export function thinNote(input: { flags: readonly string[]; saltfile: Readonly<Record<string, unknown>>; roster: Roster; minionOpts?: Record<string, unknown> }): string | undefined {
  const parts: string[] = [...input.flags];
  const saltfileKeys = Object.keys(input.saltfile).filter((key) => SALTFILE_THIN_KEYS.includes(key) && input.saltfile[key] !== false);
  if (saltfileKeys.length > 0) parts.push(`Saltfile ${saltfileKeys.join(', ')}`);
  for (const key of THIN_ONLY_KEYS) {
    const ids = [...input.roster].filter(([, entry]) => Object.hasOwn(entry, key)).map(([id]) => id);
    if (ids.length > 0) parts.push(`roster ${key} (${hostsList(ids)})`);
  }
  const ignored = new Set<string>();
  const minionHosts: string[] = [];
  for (const [id, entry] of input.roster) {
    const keys = Object.keys(entry.minion_opts ?? {}).filter((key) => !HONOURED_MINION_OPTS.includes(key));
    if (keys.length > 0) minionHosts.push(id);
    keys.forEach((key) => ignored.add(key));
  }
  for (const key of Object.keys(input.minionOpts ?? {})) if (!HONOURED_MINION_OPTS.includes(key)) ignored.add(key);
  if (ignored.size > 0) parts.push(`minion_opts ${[...ignored].join(', ')}${minionHosts.length > 0 ? ` (${hostsList(minionHosts)})` : ''}`);
  if (parts.length === 0) return undefined;
  return `[NOTE    ] brine deploys no salt thin and runs no salt-call, so these have no effect: ${parts.join('; ')}`;
}

/** The thin flags given, by salt's spelling, for the one-time note that they have nothing to do. */
export function thinFlagsGiven(flags: { 'rand-thin-dir'?: boolean; wipe?: boolean; 'regen-thin'?: boolean }): string[] {
  const given: string[] = [];
  if (flags['rand-thin-dir'] === true) given.push('-W/--rand-thin-dir');
  if (flags.wipe === true) given.push('-w/--wipe');
  if (flags['regen-thin'] === true) given.push('-t/--regen-thin');
  return given;
}
