import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILD_INFO, versionLine } from '../../../src/core/build-info.js';

describe('build info', () => {
  it('unbundled, the version is package.json\'s and there is no build commit', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(BUILD_INFO).toEqual({ version: pkg.version, commit: 'unknown' });
  });

  it('--version is one line: the bin, brine\'s version, Node\'s and the commit', () => {
    expect(versionLine('salt-run', { version: '1.2.3', commit: 'abc1234-dirty' })).toBe(
      `salt-run 1.2.3 (brine; node ${process.versions.node}; commit abc1234-dirty)`,
    );
  });
});
