import { watch } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { TransportError } from './types.js';
import { hostPattern, keyTypeOf, knownHostsLine, parseKnownHosts, type HostKeyStatus, type KnownHosts } from './known-hosts.js';

/** What recording a key found in the file as re-read under the lock: `added` when this call wrote it. */
export type RecordOutcome = { status: 'added' } | Exclude<HostKeyStatus, { status: 'unknown' }>;

/** The known_hosts files of one transport: each read once for checking, appended to under a lock for `-i`. */
export interface KnownHostsStore {
  load(file: string): Promise<KnownHosts>;
  /** Appends the host's key unless the file, re-read under the lock, already has a record for the host. */
  record(file: string, host: string, port: number, key: Buffer): Promise<RecordOutcome>;
}

/** How long to wait for another process's lock before giving up on recording (the key is still accepted). */
const LOCK_TIMEOUT_MS = 5000;

interface Pending {
  host: string;
  port: number;
  key: Buffer;
  resolve(outcome: RecordOutcome): void;
  reject(err: unknown): void;
}

export function createKnownHostsStore(lockTimeoutMs = LOCK_TIMEOUT_MS): KnownHostsStore {
  const loaded = new Map<string, Promise<KnownHosts>>();
  // Per file: keys waiting to be written, and whether a writer is draining them. Hosts that learn keys
  // together share one lock and one write instead of queueing on the lock file one by one.
  const queues = new Map<string, { pending: Pending[]; isDraining: boolean }>();

  const drain = async (file: string, queue: { pending: Pending[]; isDraining: boolean }) => {
    queue.isDraining = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0);
      try {
        const outcomes = await withLock(`${file}.lock`, lockTimeoutMs, () => appendKeys(file, batch));
        batch.forEach((p, i) => p.resolve(outcomes[i] as RecordOutcome));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    queue.isDraining = false;
  };

  return {
    load(file) {
      let known = loaded.get(file);
      if (!known) {
        known = readKnownHosts(file);
        loaded.set(file, known);
      }
      return known;
    },
    record(file, host, port, key) {
      let queue = queues.get(file);
      if (!queue) {
        queue = { pending: [], isDraining: false };
        queues.set(file, queue);
      }
      const waiting = queue;
      return new Promise<RecordOutcome>((resolve, reject) => {
        waiting.pending.push({ host, port, key, resolve, reject });
        if (!waiting.isDraining) void drain(file, waiting);
      });
    },
  };
}

async function readKnownHosts(file: string): Promise<KnownHosts> {
  return parseKnownHosts(await readText(file), file);
}

/** The file's text; a missing file is an empty one, as for ssh: every host is then unknown. */
async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new TransportError('other', `cannot read known_hosts file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Called with the lock held: re-reads the file so a key another run recorded meanwhile is not written twice. */
async function appendKeys(file: string, batch: readonly Pending[]): Promise<RecordOutcome[]> {
  const text = await readText(file);
  const known = parseKnownHosts(text, file);
  let lineCount = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  // Keys added by this batch, so two roster ids for one host:port record it once.
  const added = new Map<string, { line: number; key: Buffer }>();
  const lines: string[] = [];
  const outcomes = batch.map(({ host, port, key }): RecordOutcome => {
    const name = hostPattern(host, port);
    const earlier = added.get(name);
    if (earlier) {
      return earlier.key.equals(key) ? { status: 'match' } : { status: 'changed', line: earlier.line, keyType: keyTypeOf(earlier.key) };
    }
    const verdict = known.check(host, port, keyTypeOf(key), key);
    if (verdict.status !== 'unknown') return verdict;
    lineCount += 1;
    added.set(name, { line: lineCount, key });
    lines.push(knownHostsLine(host, port, key, known.isHashed));
    return { status: 'added' };
  });
  if (lines.length === 0) return outcomes;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // O_APPEND and one write() of whole lines: ssh itself appends without any lock, and an O_APPEND
  // write to a local file lands at the end in one piece, so its lines and ours never interleave.
  const handle = await open(file, 'a', 0o644);
  try {
    const data = Buffer.from(`${separator}${lines.join('\n')}\n`);
    const { bytesWritten } = await handle.write(data);
    if (bytesWritten !== data.length) throw new Error(`short write to ${file} (${bytesWritten} of ${data.length} bytes)`);
  } finally {
    await handle.close();
  }
  return outcomes;
}

/**
 * Runs `fn` holding `<known_hosts>.lock`, created with O_EXCL so one process at a time re-reads and appends.
 * A held lock is waited on through a directory watch (its removal is an event), not by polling.
 */
async function withLock<T>(lockFile: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Watch before trying, so a release between a failed try and the wait is not missed.
    const release = lockReleased(lockFile, deadline - Date.now(), timeoutMs);
    let handle;
    try {
      handle = await open(lockFile, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        release.cancel();
        throw err;
      }
      if (await isLockOfDeadProcess(lockFile)) {
        release.cancel();
        await rm(lockFile, { force: true });
        continue;
      }
      await release.wait;
      continue;
    }
    release.cancel();
    try {
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return await fn();
    } finally {
      await rm(lockFile, { force: true });
    }
  }
}

/** A lock whose recorded pid is gone was left by a killed brine; an unreadable or empty one is still being written. */
async function isLockOfDeadProcess(lockFile: string): Promise<boolean> {
  const pid = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function lockReleased(lockFile: string, remainingMs: number, timeoutMs: number): { wait: Promise<void>; cancel(): void } {
  const name = basename(lockFile);
  let cancel = () => {};
  const wait = new Promise<void>((resolve, reject) => {
    const watcher = watch(dirname(lockFile), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      cancel();
      resolve();
    });
    const timer = setTimeout(() => {
      cancel();
      reject(new Error(`lock file ${lockFile} held for over ${Math.round(timeoutMs / 1000)} s (remove it if no brine is running)`));
    }, Math.max(remainingMs, 0));
    watcher.on('error', (err) => {
      cancel();
      reject(err);
    });
    cancel = () => {
      clearTimeout(timer);
      watcher.close();
    };
  });
  // A cancelled wait never settles; an unobserved rejection must not crash the process.
  wait.catch(() => undefined);
  return { wait, cancel: () => cancel() };
}
