import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReturner, rawfileJsonReturner } from '../../src/returners/rawfile-json.js';
import { appendLocked } from '../../src/returners/file-lock.js';
import { loadReturner, requireCapability } from '../../src/returners/registry.js';
import type { ReturnerError } from '../../src/returners/failure.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { holdFlock } from '../helpers/lock-holders.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brine-rawfile-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

// no reads and at-least-once by nature: the suite's redelivery case has nothing to count
returnerContractSuite('rawfile_json', async () => ({ returner: createReturner({ opts: { 'rawfile_json.filename': join(tempDir(), 'events') } }) }), ['event_return']);

describe('rawfile_json returner', () => {
  it('appends one salt-JSON line per return and per event, non-ASCII kept, to a new 0640 file', async () => {
    const file = join(tempDir(), 'events');
    const r = createReturner({ opts: { rawfile_json: { filename: file } } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'web1', { out: 'ünïcode 😀', n: [1, 2.5] }), { ...hostReturn(jid, 'web2', 'a\nb'), retcode: 1, success: false }]);
    await r.eventReturn?.([{ tag: `salt/job/${jid}/new`, data: { jid, fun: 'test.ping' } }]);
    await r.eventReturn?.([]);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toEqual([
      `{"fun_args": [], "jid": "${jid}", "return": {"out": "ünïcode 😀", "n": [1, 2.5]}, "retcode": 0, "success": true, "fun": "test.ping", "id": "web1", "_stamp": "2026-11-29T04:33:01.123456"}`,
      `{"fun_args": [], "jid": "${jid}", "return": "a\\nb", "retcode": 1, "success": false, "fun": "test.ping", "id": "web2", "_stamp": "2026-11-29T04:33:01.123456"}`,
      `{"tag": "salt/job/${jid}/new", "data": {"jid": "${jid}", "fun": "test.ping"}}`,
      '',
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('waits for a lock held with flock(1), and gives up after its deadline without writing', async () => {
    const file = join(tempDir(), 'events');
    writeFileSync(file, '');
    const r = rawfileJsonReturner(file, 300);
    const jid = testJid();
    const held = await holdFlock(file);
    try {
      const started = Date.now();
      const err = (await r.returner([hostReturn(jid, 'late')]).catch((e: unknown) => e)) as ReturnerError;
      expect([err.scope, err.message]).toEqual(['transient', `rawfile_json ${file}: locked by another process for more than 0.300s`]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(readFileSync(file, 'utf8')).toBe('');
      // while brine waits for it, the lock stays the other process's: its release lets brine's line in
      const waiting = rawfileJsonReturner(file, 10_000).returner([hostReturn(jid, 'waited')]);
      expect(readFileSync(file, 'utf8')).toBe('');
      await held.release();
      await waiting;
    } finally {
      await held.release();
    }
    expect(lines(file).map((l) => l['id'])).toEqual(['waited']);
  });

  it('holds its lock while it writes: flock -n fails against it, and succeeds after', async () => {
    const file = join(tempDir(), 'events');
    const tryLock = (): Promise<number> =>
      new Promise((resolve) => execFile('flock', ['-n', '-E', '9', file, 'true'], (err) => resolve(err === null ? 0 : Number((err as { code?: number }).code))));
    let whileHeld: number | undefined;
    await appendLocked(file, Buffer.from('{"a": 1}\n'), { lockWaitMs: 1_000, mode: 0o640, label: 'test', onLocked: async () => {
      whileHeld = await tryLock();
    } });
    expect(whileHeld).toBe(9);
    expect(await tryLock()).toBe(0);
    expect(lines(file)).toEqual([{ a: 1 }]);
  });

  it('a missing directory is the returner\'s error, naming the file, in one line', async () => {
    const file = join(tempDir(), 'no', 'such', 'events');
    const err = (await createReturner({ opts: { 'rawfile_json.filename': file } }).returner([hostReturn(testJid(), 'a')]).catch((e: unknown) => e)) as ReturnerError;
    expect(err.scope).toBe('returner');
    expect(err.message).toBe(`rawfile_json ${file}: ENOENT: no such file or directory, open '${file}' (its directory must exist)`);
  });

  it('reads --return_config and --return_kwargs filename; loads from the registry (not a job cache)', async () => {
    const dir = tempDir();
    const alt = createReturner({ opts: { 'rawfile_json.filename': '/x', 'alternative.rawfile_json.filename': join(dir, 'alt') }, returnConfig: 'alternative' });
    expect(alt.filename).toBe(join(dir, 'alt'));
    const kw = createReturner({ opts: {}, returnKwargs: { filename: join(dir, 'kw') } });
    expect(kw.filename).toBe(join(dir, 'kw'));
    expect(createReturner({ opts: {} }).filename).toBe('/var/log/salt/events');
    const loaded = await loadReturner('rawfile_json', { opts: { 'rawfile_json.filename': join(dir, 'x') } });
    expect(() => requireCapability(loaded, 'jobCache', 'master_job_cache')).toThrow("master_job_cache: returner 'rawfile_json' cannot serve as master_job_cache");
    expect(() => requireCapability(loaded, 'events', 'event_return')).not.toThrow();
  });
});

returnerDeliveryContract('rawfile_json', async () => {
  const base = tempDir();
  const dir = join(base, 'log');
  mkdirSync(dir);
  const file = join(dir, 'events');
  return {
    returner: createReturner({ opts: { 'rawfile_json.filename': file } }),
    // the log directory is gone (an unmounted volume): a path where nothing can be written
    down: async () => {
      renameSync(dir, `${dir}.away`);
      writeFileSync(dir, 'not a directory');
    },
    up: async () => {
      rmSync(dir);
      renameSync(`${dir}.away`, dir);
    },
    storedIds: async (jid) => lines(file).filter((l) => l['jid'] === jid).map((l) => String(l['id'])),
    refusesNothing: 'a log file takes any JSON line brine can send; a full disk or an unwritable path fails the whole batch, never one return',
  };
});
