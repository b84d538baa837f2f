import { describe, expect, it } from 'vitest';
import { commonFlags, outHelp } from '../../../src/cli/flags.js';
import { listOutputters } from '../../../src/output/registry.js';

describe('--out help (shared by salt-ssh and salt-run)', () => {
  it('lists every registered outputter, quiet included, with nested as the default', () => {
    const help = commonFlags.out.description ?? '';
    expect(help).toBe(outHelp());
    expect(listOutputters()).toContain('quiet');
    for (const name of listOutputters()) expect(help, name).toMatch(new RegExp(`\\b${name}\\b`));
    expect(help).toBe('Outputter: nested (default), folded, highstate, json, newline_values_only, pprint, quiet, raw, txt, yaml.');
  });
});
