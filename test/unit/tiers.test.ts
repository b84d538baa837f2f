/** test/unit is the fast tier: a test there that starts sshd, uses MariaDB or spawns the CLI belongs in test/integration. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const SLOW = [
  { pattern: /\bstartSshd\b/, what: 'starts sshd' },
  { pattern: /\bcreateTestDatabase\b|helpers\/mysql\.js/, what: 'uses MariaDB' },
  { pattern: /\b(startCli|runCli)\b/, what: 'spawns the CLI' },
];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the fast tier', () => {
  it('holds no test that needs sshd, MariaDB or the spawned CLI', () => {
    const self = fileURLToPath(import.meta.url);
    const offenders = testFiles(join(ROOT, 'test', 'unit')).filter((file) => file !== self).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return SLOW.filter(({ pattern }) => pattern.test(text)).map(({ what }) => `${relative(ROOT, file)} ${what}`);
    });
    expect(offenders).toEqual([]);
  });
});
