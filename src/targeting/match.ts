import { createContext, runInContext } from 'node:vm';
import { ConfigError, NoMatchError, UsageError } from '../errors.js';
import { clip, describeValue, isMapping } from '../config/validate.js';
import { fnmatchToRegExp } from '../salt/fnmatch.js';
import { subdictMatch } from './grain.js';

export type TargetType = 'glob' | 'pcre' | 'list' | 'nodegroup' | 'grain';

/** salt's `-L`: a comma string (brine also splits on whitespace). */
export function splitList(tgt: string): string[] {
  return tgt.split(/[\s,]+/).filter((s) => s !== '');
}

/** The load's `tgt` as salt stores it: a list for `-L` (so search_target finds each host), the text otherwise. */
export function loadTarget(tgt: string, type: TargetType): string | string[] {
  return type === 'list' ? splitList(tgt) : tgt;
}

/** Python `re` spellings that JS reads differently (`\Z` would silently mean `Z`). */
function pythonToJsRegExp(tgt: string): string {
  return tgt.replace(/\\\\|\\Z|\\A|\(\?P<|\(\?P=(\w+)\)/g, (m, name: string | undefined) => {
    if (m === '\\Z') return '$';
    if (m === '\\A') return '^';
    if (m === '(?P<') return '(?<';
    if (name !== undefined) return `\\k<${name}>`;
    return m;
  });
}

/** How long `-E` may take over the whole roster; JS regexes backtrack, so `(a+)+$` on a long id would never end. */
export const PCRE_TIME_LIMIT_MS = 1000;

// Runs inside the vm context, where `ids` and `source` are the context's globals.
const PCRE_FILTER = `(() => {
  const re = new RegExp(source, 'y');
  return ids.filter((id) => { re.lastIndex = 0; return re.test(id); });
})()`;

/**
 * `-E`: salt's `re.match`, anchored at the start only; the sticky flag anchors every alternative.
 * The match runs in a vm context whose timeout interrupts a catastrophic pattern (salt spins forever).
 */
function matchPcre(ids: readonly string[], tgt: string, limitMs: number): string[] {
  const source = pythonToJsRegExp(tgt);
  try {
    new RegExp(source, 'y');
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.replace(/^Invalid regular expression: /, '') : String(cause);
    throw new UsageError(`-E/--pcre: invalid regular expression '${clip(tgt)}': ${clip(why)}`, { cause });
  }
  try {
    const matched = runInContext(PCRE_FILTER, createContext({ ids: [...ids], source }), { timeout: limitMs }) as ArrayLike<string>;
    return Array.from(matched);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw cause;
    throw new UsageError(
      `-E/--pcre: regular expression '${clip(tgt)}' took longer than ${limitMs} ms over ${ids.length} roster ids (nested quantifiers such as (a+)+ backtrack without end); simplify it`,
      { cause },
    );
  }
}

/** A nodegroup's ids as a predicate: `L@a,b or web*`, or a list of such words. */
function compoundMatcher(group: string, value: unknown): (id: string) => boolean {
  // Words split on spaces, also inside list items, so `['L@a', 'or web*']` works as salt's list form does.
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const words = items.flatMap((w) => (typeof w === 'string' ? w.split(/\s+/) : [w]));
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const word of words) {
    if (typeof word !== 'string') {
      throw new ConfigError(`nodegroups: group '${group}' must be a string or a list of strings (got ${describeValue(word)})`);
    }
    if (word === '' || word === 'or') continue;
    if (word.startsWith('L@')) {
      for (const id of word.slice(2).split(',')) if (id !== '') exact.add(id);
    } else if (/^[A-Za-z]@/.test(word) || ['and', 'not', '(', ')'].includes(word)) {
      throw new ConfigError(
        `nodegroups: group '${group}' uses '${word}'; salt-ssh supports only list (L@) and glob nodegroups joined by 'or'`,
      );
    } else {
      for (const g of word.split(',')) if (g !== '') globs.push(fnmatchToRegExp(g));
    }
  }
  return (id) => exact.has(id) || globs.some((re) => re.test(id));
}

/**
 * One {group: value} map from the master options: salt's `nodegroups` overlaid by salt-ssh's
 * `ssh_list_nodegroups` (what salt-ssh itself reads). Lists of ids and `L@`/glob compounds both work.
 */
export function nodegroupsFromOpts(opts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const compound = isMapping(opts['nodegroups']) ? opts['nodegroups'] : {};
  const lists = isMapping(opts['ssh_list_nodegroups']) ? opts['ssh_list_nodegroups'] : {};
  return { ...compound, ...lists };
}

/** Accepts the flat group map, or the master options themselves (a group's value is never a mapping). */
function asGroupMap(groups: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return isMapping(groups['nodegroups']) || isMapping(groups['ssh_list_nodegroups']) ? nodegroupsFromOpts(groups) : groups;
}

function nodegroupMatcher(tgt: string, nodegroups: Readonly<Record<string, unknown>>): (id: string) => boolean {
  const groups = asGroupMap(nodegroups);
  // An ssh_list_nodegroups id list reads the same as a compound of plain words: each id is a glob matching itself.
  if (Object.hasOwn(groups, tgt)) return compoundMatcher(tgt, groups[tgt]);
  const known = Object.keys(groups);
  const hint = known.length === 0 ? 'no nodegroups are configured' : `known: ${known.join(', ')}`;
  throw new UsageError(`-N/--nodegroup: unknown nodegroup '${clip(tgt)}' (${hint})`);
}

export interface MatchOptions {
  /** Overrides PCRE_TIME_LIMIT_MS (tests). */
  pcreTimeLimitMs?: number;
  /** `-G`: each host's cached grains (hosts without any are not matched). */
  grains?: ReadonlyMap<string, Record<string, unknown>>;
  /** `--delimiter` for nested grains (salt's default `:`). */
  delimiter?: string;
}

/**
 * The roster ids selected by a target, in roster order; an empty result is the caller's "No matching targets".
 * `nodegroups` is the {group: value} map (see nodegroupsFromOpts); the master options themselves are accepted too.
 */
export function matchTargets(
  ids: readonly string[],
  tgt: string,
  type: TargetType,
  nodegroups: Readonly<Record<string, unknown>>,
  options: MatchOptions = {},
): string[] {
  switch (type) {
    case 'glob': {
      const re = fnmatchToRegExp(tgt);
      return ids.filter((id) => re.test(id));
    }
    case 'pcre':
      return matchPcre(ids, tgt, options.pcreTimeLimitMs ?? PCRE_TIME_LIMIT_MS);
    case 'list': {
      const wanted = new Set(splitList(tgt));
      return ids.filter((id) => wanted.has(id));
    }
    case 'nodegroup':
      return ids.filter(nodegroupMatcher(tgt, nodegroups));
    case 'grain': {
      const { grains } = options;
      if (grains === undefined) throw new UsageError('-G/--grain: no cached grains were given to match against');
      return ids.filter((id) => {
        const hostGrains = grains.get(id);
        return hostGrains !== undefined && subdictMatch(hostGrains, tgt, options.delimiter ?? ':');
      });
    }
  }
}

/** matchTargets, or salt's `No matching targets found in roster.` as a NoMatchError (brine exits 68; salt exits 0). */
export function selectTargets(
  ids: readonly string[],
  tgt: string,
  type: TargetType,
  nodegroups: Readonly<Record<string, unknown>>,
  options: MatchOptions = {},
): string[] {
  const matched = matchTargets(ids, tgt, type, nodegroups, options);
  if (matched.length === 0) throw new NoMatchError();
  return matched;
}

const FLAG_TYPES: ReadonlyArray<readonly [string, TargetType]> = [
  ['-E/--pcre', 'pcre'],
  ['-L/--list', 'list'],
  ['-N/--nodegroup', 'nodegroup'],
  ['-G/--grain', 'grain'],
];

/** Picks the target type from the boolean flags; more than one is a usage error, none is glob. */
export function targetTypeFromFlags(flags: { pcre?: boolean; list?: boolean; nodegroup?: boolean; grain?: boolean }): TargetType {
  const chosen = FLAG_TYPES.filter(([, type]) => flags[type as 'pcre' | 'list' | 'nodegroup' | 'grain'] === true);
  if (chosen.length > 1) {
    throw new UsageError(`only one target type may be given (got ${chosen.map(([flag]) => flag).join(', ')})`);
  }
  return chosen[0]?.[1] ?? 'glob';
}
