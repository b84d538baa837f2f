/**
 * Opening an existing cache: loose modes are tightened or named in a warning, and a cache file made
 * by an older brine (schema version 1) gains the `interrupted` mark without losing its jobs.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tightenCacheModes } from '../../../src/jobcache/file-modes.js';
import { openLocalCache } from '../../../src/jobcache/local-cache.js';
import { V1 } from '../../../src/jobcache/schema.js';
import { openSqliteFile } from '../../../src/jobcache/sqlite.js';

const mode = (path: string) => statSync(path).mode & 0o7777;

let dir: string;
let cachedir: string;
let file: string;
let warnings: string[];
const warn = (line: string) => void warnings.push(line);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brine-modes-'));
  cachedir = join(dir, 'cache');
  file = join(cachedir, 'jobs.sqlite');
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cache file modes', () => {
  it('tightens a 0777 cachedir and a 0644 database (and a leftover -wal) that we own to 0700/0600, silently', async () => {
    await openLocalCache(file, { warn }).close();
    chmodSync(cachedir, 0o777);
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '', { mode: 0o644 });
    const cache = openLocalCache(file, { warn });
    await cache.close();
    expect(mode(cachedir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(warnings).toEqual([]);
  });

  it('warns in one line naming the path when the loose file belongs to someone else', () => {
    mkdirSync(cachedir, { mode: 0o700 });
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const otherUid = (process.getuid?.() ?? 0) + 1;
    tightenCacheModes(file, warn, otherUid);
    expect(mode(file)).toBe(0o644);
    expect(warnings).toEqual([
      `[WARNING ] job cache file ${file} has mode 0644, open to other users, and belongs to uid ${process.getuid?.() ?? 0}, not ${otherUid}: chmod 600 it`,
    ]);
  });

  it('warns instead of closing a shared sticky directory such as /tmp', () => {
    mkdirSync(cachedir);
    chmodSync(cachedir, 0o1777);
    tightenCacheModes(file, warn);
    expect(mode(cachedir)).toBe(0o1777);
    expect(warnings).toEqual([`[WARNING ] job cache directory ${cachedir} has mode 1777, open to other users; set cachedir to a private directory`]);
  });
});

describe('schema migration', () => {
  it('opens a version 1 cache (made by the current main), keeps its jobs, and records the interrupted mark', async () => {
    mkdirSync(cachedir, { mode: 0o700 });
    const old = openSqliteFile(file, { timeoutMs: 1000 });
    old.exec(V1);
    old.pragma('user_version = 1');
    old
      .prepare('INSERT INTO jobs (jid, fun, arg, tgt, tgt_type, user, minions, started_at, ended_at, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('20261128171805987941', 'test.ping', '[]', '*', 'glob', 'root', '["a"]', 1, 2, 3);
    old.close();

    const cache = openLocalCache(file, { warn });
    try {
      const before = await cache.getJob('20261128171805987941');
      expect(before?.load.fun).toBe('test.ping');
      expect(before?.endedAt).toBe(2);
      expect(before).not.toHaveProperty('interrupted');
      await cache.endJob('20261128171805987941', 5, true);
      expect(await cache.getJob('20261128171805987941')).toMatchObject({ endedAt: 5, interrupted: true });
      const [listed] = await cache.getJobs({});
      expect(listed?.interrupted).toBe(true);
    } finally {
      await cache.close();
    }
  });
});
