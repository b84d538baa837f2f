import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKnownHostsStore } from '../../../src/transport/known-hosts-file.js';
import { parseKnownHosts } from '../../../src/transport/known-hosts.js';

function ed25519Blob(): Buffer {
  const type = Buffer.from('ssh-ed25519');
  return Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
}
const line = (host: string, key: Buffer) => `${host} ssh-ed25519 ${key.toString('base64')}`;

const dir = mkdtempSync(join(tmpdir(), 'brine-khf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (name: string) => join(dir, `${name}-${randomBytes(4).toString('hex')}`);
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe('KnownHostsStore.record', () => {
  it('creates a missing directory (0700) and file, and appends plain [host]:port lines', async () => {
    const file = join(fresh('home'), '.ssh', 'known_hosts');
    const key = ed25519Blob();
    expect(await createKnownHostsStore().record(file, '127.0.0.1', 2222, key)).toEqual({ status: 'added' });
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(linesOf(file)).toEqual([line('[127.0.0.1]:2222', key)]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('writes hashed lines into a file that already hashes', async () => {
    const file = fresh('hashed');
    const salt = randomBytes(20).toString('base64');
    writeFileSync(file, `|1|${salt}|${randomBytes(20).toString('base64')} ssh-ed25519 ${ed25519Blob().toString('base64')}\n`);
    const key = ed25519Blob();
    await createKnownHostsStore().record(file, 'web1', 22, key);
    const added = linesOf(file)[1] ?? '';
    expect(added).toMatch(/^\|1\|/);
    expect(added).not.toContain('web1');
    expect(parseKnownHosts(added, file).check('web1', 22, 'ssh-ed25519', key)).toEqual({ status: 'match' });
  });

  it('starts a new line when the file does not end with one', async () => {
    const file = fresh('no-newline');
    const first = ed25519Blob();
    writeFileSync(file, line('web1', first));
    const key = ed25519Blob();
    await createKnownHostsStore().record(file, 'web2', 22, key);
    expect(linesOf(file)).toEqual([line('web1', first), line('web2', key)]);
  });

  it('does not append a key that was recorded meanwhile, and reports a different recorded key as changed', async () => {
    const file = fresh('meanwhile');
    const key = ed25519Blob();
    const store = createKnownHostsStore();
    const before = await store.load(file);
    expect(before.check('web1', 22, 'ssh-ed25519', key)).toEqual({ status: 'unknown' });
    // another run records the host after this store read the file
    writeFileSync(file, `# header\n${line('web1', key)}\n`);
    expect(await store.record(file, 'web1', 22, key)).toEqual({ status: 'match' });
    expect(await store.record(file, 'web1', 22, ed25519Blob())).toEqual({ status: 'changed', line: 2, keyType: 'ssh-ed25519' });
    expect(linesOf(file)).toHaveLength(2);
  });

  it('records many hosts at once, each key once, even when two stores (runs) race', async () => {
    const file = fresh('race');
    const keys = Array.from({ length: 20 }, () => ed25519Blob());
    const stores = [createKnownHostsStore(), createKnownHostsStore()];
    const outcomes = await Promise.all(
      stores.flatMap((store) => keys.map((key, i) => store.record(file, `host${i}`, 2200 + i, key))),
    );
    expect(outcomes.filter((o) => o.status === 'added')).toHaveLength(keys.length);
    expect(outcomes.filter((o) => o.status === 'match')).toHaveLength(keys.length);
    expect(linesOf(file).sort()).toEqual(keys.map((key, i) => line(`[host${i}]:${2200 + i}`, key)).sort());
  });

  it('waits for a lock another process holds, and gives up with a one-line error naming it', async () => {
    const file = fresh('locked');
    const lock = `${file}.lock`;
    writeFileSync(lock, '1\n');
    const key = ed25519Blob();
    await expect(createKnownHostsStore(50).record(file, 'web1', 22, key)).rejects.toThrow(
      new RegExp(`^lock file ${lock} held for over 0 s \\(remove it if no brine is running\\)$`),
    );
    expect(existsSync(file)).toBe(false);
    const recording = createKnownHostsStore(30_000).record(file, 'web1', 22, key);
    rmSync(lock);
    expect(await recording).toEqual({ status: 'added' });
    expect(linesOf(file)).toEqual([line('web1', key)]);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const file = fresh('stale');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${file}.lock`, `${gone.stdout}\n`);
    const key = ed25519Blob();
    expect(await createKnownHostsStore(50).record(file, 'web1', 22, key)).toEqual({ status: 'added' });
    expect(linesOf(file)).toEqual([line('web1', key)]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
