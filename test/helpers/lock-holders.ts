/**
 * Another process holding a file's lock, as a cron script or salt would: `flock(1)` (flock(2) locks, the
 * ones salt's flopen takes) or the `sqlite3` shell inside BEGIN EXCLUSIVE. Held once the child says so;
 * released by ending its stdin; the child is ours, waited for by its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface HeldLock {
  readonly pid: number;
  release(): Promise<void>;
}

function hold(child: ChildProcess, what: string, finish: () => void): Promise<HeldLock> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not take the lock in 10 s: ${out}`));
    }, 10_000);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('locked')) return;
      clearTimeout(timer);
      resolve({
        pid: child.pid ?? -1,
        async release() {
          finish();
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${String(code)} before it held the lock: ${out}`));
    });
  });
}

/** `flock -x FILE` around a shell that says `locked` and waits for its stdin to end. */
export function holdFlock(file: string): Promise<HeldLock> {
  const child = spawn('flock', ['-x', file, '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  return hold(child, `flock ${file}`, () => child.stdin?.end());
}

/** The sqlite3 shell holding an exclusive transaction on `file` (every other connection gets SQLITE_BUSY). */
export function holdSqliteLock(file: string): Promise<HeldLock> {
  const child = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.write('BEGIN EXCLUSIVE;\n.print locked\n');
  return hold(child, `sqlite3 ${file}`, () => child.stdin?.end('ROLLBACK;\n'));
}
