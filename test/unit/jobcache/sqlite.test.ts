import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteFile, sqliteErrorName, type SqliteDatabase } from '../../../src/jobcache/sqlite.js';

let dir: string;
let file: string;
let db: SqliteDatabase;
const ids = (conn: SqliteDatabase): number[] => conn.prepare<[], { id: number }>('SELECT id FROM t ORDER BY id').all().map((r) => r.id);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brine-sqlite-'));
  file = join(dir, 'db.sqlite');
  db = openSqliteFile(file, { timeoutMs: 1000 });
  expect(db.pragma('journal_mode = WAL', { simple: true })).toBe('wal');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteDatabase over node:sqlite', () => {
  it('commits a transaction, and rolls it all back when its function throws, rethrowing that error', () => {
    const insert = db.prepare<[number]>('INSERT INTO t (id) VALUES (?)');
    expect(db.transaction(() => insert.run(1).changes)()).toBe(1);
    const boom = new Error('boom');
    expect(() =>
      db.transaction(() => {
        insert.run(2);
        throw boom;
      }).immediate(),
    ).toThrow(boom);
    expect(ids(db)).toEqual([1]);
    // the connection is out of the failed transaction: a new one begins
    db.transaction(() => insert.run(3)).immediate();
    expect(ids(db)).toEqual([1, 3]);
  });

  it('nests as a savepoint: a failing inner transaction undoes only its own writes', () => {
    const insert = db.prepare<[number]>('INSERT INTO t (id) VALUES (?)');
    db.transaction(() => {
      insert.run(1);
      expect(() =>
        db.transaction(() => {
          insert.run(2);
          insert.run(1); // primary key taken
        }).immediate(),
      ).toThrow(/UNIQUE constraint failed/);
      insert.run(3);
    }).immediate();
    expect(ids(db)).toEqual([1, 3]);
  });

  it('refuses a transaction function that returns a promise, and rolls back what it wrote', () => {
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO t (id) VALUES (1)').run();
        return Promise.resolve();
      })(),
    ).toThrow(TypeError);
    expect(ids(db)).toEqual([]);
  });

  it('immediate() takes the write lock at BEGIN: another connection waits its timeout and gets SQLITE_BUSY', () => {
    const other = openSqliteFile(file, { timeoutMs: 50 });
    try {
      const tryWrite = (): unknown => {
        try {
          other.transaction(() => other.prepare('INSERT INTO t (id) VALUES (9)').run()).immediate();
          return 'written';
        } catch (err) {
          return sqliteErrorName(err);
        }
      };
      // a deferred transaction that only reads holds no write lock
      expect(db.transaction(() => [ids(db), tryWrite()])()).toEqual([[], 'written']);
      expect(db.transaction(() => tryWrite()).immediate()).toBe('SQLITE_BUSY');
      expect(ids(db)).toEqual([9]);
    } finally {
      other.close();
    }
  });

  it('compiles a statement once per SQL text, reads pragmas, and closes once', () => {
    expect(db.prepare('SELECT 1')).toBe(db.prepare('SELECT 1'));
    expect(db.prepare('SELECT 1 WHERE 0').get()).toBeUndefined();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.pragma('table_info(t)').map((row) => row['name'])).toEqual(['id']);
    db.close();
    expect(db.isOpen).toBe(false);
    expect(() => db.close()).not.toThrow();
  });

  it('names the primary result code of a node:sqlite error, and nothing else', () => {
    db.prepare('INSERT INTO t (id) VALUES (1)').run();
    const err = ((): unknown => {
      try {
        db.prepare('INSERT INTO t (id) VALUES (1)').run();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(sqliteErrorName(err)).toBe('SQLITE_CONSTRAINT');
    expect(sqliteErrorName(new Error('no such table: x'))).toBeUndefined();
    expect(sqliteErrorName(undefined)).toBeUndefined();
  });
});
