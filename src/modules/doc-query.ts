import { fnmatch } from '../salt/fnmatch.js';

/** salt's sys.* argument matching: a module name, an exact function name, or an fnmatch glob. */
export function matchesDocQuery(name: string, query: string): boolean {
  if (name === query || name.startsWith(`${query}.`)) return true;
  if (!/[*?]/.test(query)) return false;
  return fnmatch(name, query);
}
