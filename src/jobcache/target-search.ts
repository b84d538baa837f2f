/**
 * salt's `jobs.list_jobs search_target`: a job matches when any of its targets (each id of a list
 * target, else the target text) fnmatches any of the search patterns (a list or a comma string).
 */
import { fnmatchToRegExp } from '../salt/fnmatch.js';

export function targetMatches(tgt: unknown, patterns: readonly RegExp[]): boolean {
  const targets = Array.isArray(tgt) ? tgt.map(String) : [String(tgt ?? '')];
  return targets.some((target) => patterns.some((re) => re.test(target)));
}

export function compilePatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern) => fnmatchToRegExp(pattern));
}

/**
 * The `brine_target_match(tgt, tgt_type, patterns_json)` SQL function: list targets are JSON arrays
 * (or, in rows written before, comma strings); compiled patterns are kept per connection.
 */
export function targetMatchFunction(readTarget: (tgt: string | null, tgtType: string | null) => string | string[]) {
  const compiled = new Map<string, RegExp[]>();
  return (tgt: unknown, tgtType: unknown, patternsJson: unknown): number => {
    if (typeof patternsJson !== 'string') return 0;
    let patterns = compiled.get(patternsJson);
    if (patterns === undefined) {
      patterns = compilePatterns(JSON.parse(patternsJson) as string[]);
      compiled.set(patternsJson, patterns);
    }
    const target = readTarget(typeof tgt === 'string' ? tgt : null, typeof tgtType === 'string' ? tgtType : null);
    return targetMatches(target, patterns) ? 1 : 0;
  };
}
