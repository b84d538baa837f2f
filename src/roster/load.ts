import { ConfigError } from '../errors.js';
import { describeValue, isMapping } from '../config/validate.js';
import { parseYaml, readOptionalFile } from '../config/yaml-file.js';
import { validateEntry, type RosterEntry } from '../config/roster-entry.js';

/** Roster id → entry, in file order. */
export type Roster = ReadonlyMap<string, RosterEntry>;

/** Parses flat-roster YAML text; `file` only names the source in errors. */
export function parseRoster(text: string, file: string): Roster {
  const data = parseYaml(text, file);
  const roster = new Map<string, RosterEntry>();
  if (data === null || data === undefined) return roster;
  if (!isMapping(data)) {
    throw new ConfigError(`${file}: the roster must be a mapping of id to host (got ${describeValue(data)})`);
  }
  for (const id of Object.keys(data)) {
    const raw = data[id];
    // salt's roster_matcher skips falsy entries: `web3:` with every key commented out is not a host.
    if (raw === null || raw === undefined || (isMapping(raw) && Object.keys(raw).length === 0)) continue;
    roster.set(id, validateEntry(raw, `${file}: host '${id}'`));
  }
  return roster;
}

/** Loads salt's flat roster (YAML 1.1, no Jinja rendering). Errors are one-line ConfigErrors naming file, host and key. */
export async function loadRoster(file: string): Promise<Roster> {
  const res = await readOptionalFile(file, 'roster file');
  if (!res.found) throw new ConfigError(`roster file ${file} not found`);
  return parseRoster(res.text, file);
}
