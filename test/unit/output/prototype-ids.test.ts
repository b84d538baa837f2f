import { describe, expect, it } from 'vitest';
import { getOutputter } from '../../../src/output/registry.js';

// JSON.parse makes `__proto__` an own key, as the job cache and the live run do.
const DATA = JSON.parse('{"__proto__": {"retcode": 1, "constructor": "x"}, "constructor": true, "toString": "up"}') as Record<string, unknown>;
const options = { color: false, indent: 4 };

describe('outputters print hosts named like JavaScript internals', () => {
  it('nested', () => {
    expect(getOutputter('nested')(DATA, options)).toBe(
      '__proto__:\n    ----------\n    constructor:\n        x\n    retcode:\n        1\nconstructor:\n    True\ntoString:\n    up\n',
    );
  });

  it('json', () => {
    const text = getOutputter('json')(DATA, options);
    expect(text).toContain('"__proto__": {');
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('yaml', () => {
    expect(getOutputter('yaml')(DATA, options)).toBe('__proto__:\n  constructor: x\n  retcode: 1\nconstructor: true\ntoString: up\n');
  });

  it('txt, raw and newline_values_only', () => {
    expect(getOutputter('txt')(DATA, options)).toBe("__proto__: {'retcode': 1, 'constructor': 'x'}\nconstructor: True\ntoString: up\n");
    expect(getOutputter('raw')(DATA, options)).toBe("{'__proto__': {'retcode': 1, 'constructor': 'x'}, 'constructor': True, 'toString': 'up'}\n");
    expect(getOutputter('newline_values_only')(DATA, options)).toBe("{'retcode': 1, 'constructor': 'x'}\nTrue\nup\n");
  });
});
