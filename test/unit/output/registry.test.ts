import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/errors.js';
import { getOutputter, listOutputters } from '../../../src/output/registry.js';
import { nested } from '../../../src/output/nested.js';

describe('outputter registry', () => {
  it('lists salt names', () => {
    expect(listOutputters()).toEqual(['folded', 'highstate', 'json', 'nested', 'newline_values_only', 'pprint', 'quiet', 'raw', 'txt', 'yaml']);
  });

  it('returns the outputter for a name', () => {
    expect(getOutputter('nested')).toBe(nested);
    expect(getOutputter('json')({ node1: true }, { color: false, indent: 4 })).toBe('{\n    "node1": true\n}\n');
    expect(getOutputter('quiet')({ node1: true }, { color: true, indent: 4 })).toBe('');
  });

  it('rejects an unknown name with a usage error listing the valid ones', () => {
    const attempt = (): unknown => getOutputter('nosuch');
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow("--out: unknown outputter 'nosuch' (valid: folded, highstate, json, nested, newline_values_only, pprint, quiet, raw, txt, yaml)");
    let caught: unknown;
    try {
      attempt();
    } catch (err) {
      caught = err;
    }
    expect((caught as UsageError).exitCode).toBe(ExitCode.USAGE);
    expect(() => getOutputter('toString')).toThrow(UsageError);
    expect(() => getOutputter('__proto__')).toThrow(UsageError);
  });
});
