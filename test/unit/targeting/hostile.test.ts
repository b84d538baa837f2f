import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { matchTargets } from '../../../src/targeting/match.js';

const IDS = ['__proto__', 'constructor', 'toString', 'web1'];

describe('targeting hostile ids and patterns', () => {
  it('matches ids named like JavaScript internals with every target type', () => {
    expect(matchTargets(IDS, '__*', 'glob', {})).toEqual(['__proto__']);
    expect(matchTargets(IDS, 'constructor,toString', 'list', {})).toEqual(['constructor', 'toString']);
    expect(matchTargets(IDS, 'to|con', 'pcre', {})).toEqual(['constructor', 'toString']);
    const nodegroups = JSON.parse('{"nodegroups": {"__proto__": "L@__proto__,web1"}}') as Record<string, unknown>;
    expect(matchTargets(IDS, '__proto__', 'nodegroup', nodegroups)).toEqual(['__proto__', 'web1']);
    expect(() => matchTargets(IDS, 'constructor', 'nodegroup', {})).toThrow(/unknown nodegroup 'constructor'/);
  });

  it('stops a catastrophic -E pattern at the time limit with a usage error', () => {
    const ids = ['web1', `${'a'.repeat(64)}!`];
    const started = Date.now();
    let caught: unknown;
    try {
      matchTargets(ids, '(a+)+$', 'pcre', {}, { pcreTimeLimitMs: 200 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(
      "-E/--pcre: regular expression '(a+)+$' took longer than 200 ms over 2 roster ids (nested quantifiers such as (a+)+ backtrack without end); simplify it",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('returns an ordinary array from the time-limited match', () => {
    const matched = matchTargets(IDS, 'web', 'pcre', {});
    expect(Array.isArray(matched) && Object.getPrototypeOf(matched) === Array.prototype).toBe(true);
    expect(matched).toEqual(['web1']);
  });
});
