import { describe, expect, it } from 'vitest';
import { loadFunction } from '../../../src/modules/registry.js';
import { editDistance, nearestName } from '../../../src/modules/suggest.js';

describe('function name suggestions', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit', () => {
    expect(editDistance('cmd.rn', 'cmd.run')).toBe(1);
    expect(editDistance('tset.ping', 'test.ping')).toBe(1);
    expect(editDistance('cmd.runn', 'cmd.run')).toBe(1);
    expect(editDistance('grains.itme', 'grains.item')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests only a name within a typo, preferring the closest', () => {
    const names = ['cmd.run', 'cmd.run_all', 'cmd.retcode', 'test.ping'];
    expect(nearestName('cmd.rn', names)).toBe('cmd.run');
    expect(nearestName('cmd.runall', names)).toBe('cmd.run_all');
    expect(nearestName('test.pnig', names)).toBe('test.ping');
    expect(nearestName('test.nope', names)).toBeUndefined();
    expect(nearestName('x.y', names)).toBeUndefined();
  });

  it("the unknown-function error keeps salt's sentence and adds the nearest registered function", async () => {
    await expect(loadFunction('cmd.rn')).rejects.toThrow("'cmd.rn' is not available. Did you mean 'cmd.run'?");
    await expect(loadFunction('tset.ping')).rejects.toThrow("'tset.ping' is not available. Did you mean 'test.ping'?");
    await expect(loadFunction('test.nope')).rejects.toThrow(/^'test\.nope' is not available\.$/);
  });
});
