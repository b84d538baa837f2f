import { describe, expect, it } from 'vitest';
import { versionsInformation } from '../../../src/run/versions-report.js';

describe('versionsInformation', () => {
  it('reports the SQLite that comes with Node beside it, and no SQLite package among the dependencies', async () => {
    const info = await versionsInformation();
    expect(info['Node Version']?.['sqlite']).toMatch(/^3\.\d+\.\d+$/);
    expect(info['Node Version']?.['sqlite']).toBe(process.versions.sqlite);
    expect(Object.keys(info['Dependency Versions'] ?? {})).not.toContain('better-sqlite3');
    expect(info['Dependency Versions']?.['ssh2']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
