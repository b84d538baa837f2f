import { describe, expect, it } from 'vitest';
import { asPrinted, compareCodePoints, pyFloatRepr, pyNumber, pyRstrip, pySplitlines, pyStr, pythonRepr } from '../../../src/salt/python.js';

// Expected values were printed by CPython 3.11 (repr, str.splitlines, str.rstrip).
describe('python semantics', () => {
  it('formats floats like repr()', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'], [1e16, '1e+16'], [1e-5, '1e-05'], [123.456, '123.456'], [1.5e300, '1.5e+300'],
      [0.0001, '0.0001'], [2.5, '2.5'], [-0.0, '-0.0'], [1234567890123456.75, '1234567890123456.8'],
      [5e-324, '5e-324'], [-1.25e-7, '-1.25e-07'], [3.14159, '3.14159'], [NaN, 'nan'], [-Infinity, '-inf'],
    ];
    for (const [value, text] of cases) expect(pyFloatRepr(value), String(value)).toBe(text);
  });

  it('prints integral numbers as ints, huge ones as floats', () => {
    expect(pyNumber(16312)).toBe('16312');
    expect(pyNumber(-0)).toBe('0');
    expect(pyNumber(2 ** 60)).toBe('1152921504606846976');
    expect(pyNumber(1e21)).toBe('1e+21');
    expect(pyNumber(10n ** 30n)).toBe('1000000000000000000000000000000');
  });

  it('reprs JSON-like data as Python does', () => {
    const value = {
      a: null,
      b: [1, 'two', true],
      c: { x: 1.5 },
      d: "it's",
      e: 'say "hi" it\'s',
      f: 'tab\tnl\nesc\x1bdel\x7f',
      g: 'café ☃ \u200b \u{1F600} \xa0 \u2028',
    };
    expect(pythonRepr(value)).toBe(
      `{'a': None, 'b': [1, 'two', True], 'c': {'x': 1.5}, 'd': "it's", 'e': 'say "hi" it\\'s', ` +
        `'f': 'tab\\tnl\\nesc\\x1bdel\\x7f', 'g': 'café ☃ \\u200b \u{1F600} \\xa0 \\u2028'}`,
    );
    expect(pythonRepr({})).toBe('{}');
    expect(pythonRepr([])).toBe('[]');
    expect(pythonRepr(false)).toBe('False');
    expect(pyStr('plain text')).toBe('plain text');
    expect(pyStr(['plain text'])).toBe("['plain text']");
  });

  it('splits lines like str.splitlines()', () => {
    expect(pySplitlines('a\r\nb\rc\vd\x1ce\u2028f\n\n')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', '']);
    expect(pySplitlines('')).toEqual([]);
    expect(pySplitlines('\n')).toEqual(['']);
    expect(pySplitlines('x\n')).toEqual(['x']);
  });

  it('rstrips like str.rstrip() and prints like display_output', () => {
    expect(pyRstrip('a \t\n\x1c\x85\u3000')).toBe('a');
    expect(pyRstrip('a\ufeff')).toBe('a\ufeff');
    expect(asPrinted('text  \n\n')).toBe('text\n');
    expect(asPrinted(' \n ')).toBe('');
  });

  it('sorts keys by code point like sorted()', () => {
    const keys = ['b', '_error', 'Z', '\u{1F600}', '\uff5e', 'a', 'aa'];
    expect([...keys].sort(compareCodePoints)).toEqual(['Z', '_error', 'a', 'aa', 'b', '\uff5e', '\u{1F600}']);
  });
});
