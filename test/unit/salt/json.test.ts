import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saltJson } from '../../../src/returners/salt-json.js';
import { pyJsonDumps } from '../../../src/salt/json.js';
import { ROOT } from '../../helpers/cli.js';

// Expected values were printed by CPython 3.11: json.dumps(value, indent=…, ensure_ascii=False, default=repr).
describe('pyJsonDumps (Python json.dumps)', () => {
  it('uses ", " and ": " on one line, keeps key order, and indents like Python', () => {
    expect(pyJsonDumps({ b: [1, 'x', null], a: { c: true } }, null)).toBe('{"b": [1, "x", null], "a": {"c": true}}');
    expect(pyJsonDumps({ a: [1, {}] }, 2)).toBe('{\n  "a": [\n    1,\n    {}\n  ]\n}');
    expect(pyJsonDumps([], 4)).toBe('[]');
  });

  it('prints floats as repr, NaN/Infinity bare, and big ints whole', () => {
    expect(pyJsonDumps([1e-7, 2.5, 1e21, Infinity, -Infinity, NaN], null)).toBe('[1e-07, 2.5, 1e+21, Infinity, -Infinity, NaN]');
    expect(pyJsonDumps({ big: 10n ** 20n }, null)).toBe('{"big": 100000000000000000000}');
  });

  it('is what the SQL returners store, so returners need not reach up into the outputters', () => {
    expect(saltJson({ fun: 'test.ping', return: true })).toBe(pyJsonDumps({ fun: 'test.ping', return: true }, null));
    const dir = join(ROOT, 'src', 'returners');
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/from '\.\.\/output\//);
    }
  });
});
