/**
 * Appends to a file under an exclusive flock(2) lock, the lock salt's `salt.utils.files.flopen` and
 * `flock(1)` take. Node has no flock: `flock -x -w SEC 3` from util-linux locks brine's own open file
 * description (passed as the child's fd 3) and exits; the lock belongs to that description, so it stays
 * held by brine's handle until brine closes it. The wait has a deadline and never blocks the event loop.
 */
import { spawn } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { ReturnerError } from './failure.js';

/** flock(1)'s exit status when `-w` ran out (`-E`): told apart from its other errors. */
const TIMED_OUT = 75;

export interface AppendOptions {
  /** How long to wait for another process's lock. */
  lockWaitMs: number;
  /** Mode of a file this creates (an existing file keeps its own). */
  mode: number;
  /** Prefix of every error message, e.g. `rawfile_json /var/log/salt/events`. */
  label: string;
  /** Runs once the lock is held, before the write (tests check that other processes see the lock). */
  onLocked?: () => Promise<void>;
}

function lockFd(handle: FileHandle, opts: AppendOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const seconds = (opts.lockWaitMs / 1000).toFixed(3);
    const child = spawn('flock', ['-x', '-w', seconds, '-E', String(TIMED_OUT), '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'flock(1) from util-linux is needed to lock the file and is not on PATH' : err.message;
      reject(new ReturnerError('returner', `${opts.label}: ${why}`, { cause: err }));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else if (code === TIMED_OUT) reject(new ReturnerError('transient', `${opts.label}: locked by another process for more than ${seconds}s`));
      else reject(new ReturnerError('transient', `${opts.label}: flock exited ${String(code)}: ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}

/** Scope of an error opening or writing the file: a path that cannot work is the returner's, the rest passes. */
function openFailure(err: unknown, label: string): ReturnerError {
  const { code, message } = err as NodeJS.ErrnoException;
  const permanent = ['EACCES', 'EPERM', 'EISDIR', 'ENOENT', 'ENOTDIR', 'EROFS', 'ELOOP'].includes(code ?? '');
  const hint = code === 'ENOENT' || code === 'ENOTDIR' ? ' (its directory must exist)' : '';
  return new ReturnerError(permanent ? 'returner' : 'transient', `${label}: ${message.split('\n')[0] ?? ''}${hint}`, { cause: err });
}

/**
 * Appends `data` in whole: under the lock, with O_APPEND, and a write that fails part-way (disk full) is
 * cut back to where it started, so the file never keeps half a line.
 */
export async function appendLocked(file: string, data: Buffer, opts: AppendOptions): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'a', opts.mode);
  } catch (err) {
    throw openFailure(err, opts.label);
  }
  try {
    await lockFd(handle, opts);
    await opts.onLocked?.();
    const start = (await handle.stat()).size;
    try {
      for (let at = 0; at < data.length; ) at += (await handle.write(data, at, data.length - at)).bytesWritten;
    } catch (err) {
      await handle.truncate(start).catch(() => undefined);
      throw openFailure(err, opts.label);
    }
  } finally {
    // closing the last handle on the description releases the lock
    await handle.close();
  }
}
