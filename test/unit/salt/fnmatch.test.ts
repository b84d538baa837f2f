import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fnmatch, fnmatchToRegExp } from '../../../src/salt/fnmatch.js';

const PATTERNS = [
  '*', '?', 'web*', 'web?', '*1', 'node[1-3]', 'node[!1-3]', 'node[!1-3]*', '[]]', '[!]]', '[]a]', '[!]a]',
  '[z-a]', '[!z-a]', '[a-]', '[-a]', '[!-a]', '[--x]', '[a-c-e]', '[c-b-a]', '[^a]', '[!^]', '[[]', '[', 'web[',
  'a[b', '[!]', '[]', '[\\]', '[a\\-z]', '\\*', 'a\\b', '*.example.com', 'db*.prod.*', '*a*a*b', 'a*b*c*d',
  'x**y', '[!a-z]*[0-9]', 'caf[é]', '{a,b}', 'a.b', '(x|y)', 'a+b', '$x^', 'web[0-9][0-9]', '[&&]', '[~|]', '/*',
  '[a-z-9]', '[!!]', '*\n*',
];
const NAMES = [
  '', 'web', 'web1', 'web12', 'node1', 'node2', 'node4', 'node10', 'nodeA', ']', 'a', 'b', 'z', '-', '^', '!', '[',
  'web[', 'a[b', '[]', '\\', '*', 'a\\b', 'ab', 'host.example.com', 'db1.prod.eu', 'xaab', 'aaab', 'abcd', 'axbxcxd',
  'xy', 'x*y', 'q5', 'café', 'cafe', '{a,b}', 'a', 'a.b', 'axb', '(x|y)', 'a+b', 'aab', '$x^', 'web07', '&', '~', '|',
  '/etc', 'a/b', 'x', '9', 'a\nb', 'line\nbreak', 'WEB1', 'e', 'c', 'd',
];

/** Asks CPython for the whole table in one process. */
function pythonTable(patterns: readonly string[], names: readonly string[]): boolean[][] {
  const script =
    'import fnmatch,json,sys\nd=json.load(sys.stdin)\n' +
    'print(json.dumps([[fnmatch.fnmatchcase(n,p) for n in d["n"]] for p in d["p"]]))';
  const res = spawnSync('python3', ['-c', script], { input: JSON.stringify({ p: patterns, n: names }), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`python3 failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as boolean[][];
}

function mismatches(patterns: readonly string[], names: readonly string[]): string[] {
  const expected = pythonTable(patterns, names);
  const out: string[] = [];
  patterns.forEach((p, i) => {
    names.forEach((n, j) => {
      const want = expected[i]?.[j];
      if (fnmatch(n, p) !== want) out.push(`${JSON.stringify(p)} vs ${JSON.stringify(n)}: python ${String(want)}`);
    });
  });
  return out;
}

describe('fnmatch (CPython port)', () => {
  it('agrees with python3 fnmatch on a table of tricky patterns', () => {
    expect(mismatches(PATTERNS, NAMES)).toEqual([]);
  });

  it('agrees with python3 on seeded random patterns', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', 'b', 'c', 'z', '-', '!', '^', ']', '[', '*', '?', '\\', '.', '1', '3'];
    const word = (max: number) =>
      Array.from({ length: rand(max) + 1 }, () => alphabet[rand(alphabet.length)] as string).join('');
    const patterns = Array.from({ length: 300 }, () => word(7));
    const names = Array.from({ length: 60 }, () => word(5).replace(/[*?[\]]/g, ''));
    expect(mismatches(patterns, names)).toEqual([]);
  });

  it('matches salt examples', () => {
    expect(fnmatch('node2', 'node[1-3]')).toBe(true);
    expect(fnmatch('node4', 'node[!1-3]')).toBe(true);
    expect(fnmatch('node1', 'node[!1-3]')).toBe(false);
    expect(fnmatch('a/b/c', '*')).toBe(true);
    expect(fnmatch('WEB1', 'web*')).toBe(false);
  });

  it('stays fast on patterns that backtrack badly without atomic groups', () => {
    const started = performance.now();
    expect(fnmatchToRegExp('*a*a*a*a*a*a*a*b').test('a'.repeat(3000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
