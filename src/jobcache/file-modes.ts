import { chmodSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** Bits that must be clear: the cache files unreadable by group and others, the directory closed to others. */
const FILE_LOOSE = 0o077;
const DIR_LOOSE = 0o007;
const STICKY = 0o1000;

/**
 * Returns can hold secrets, and an older brine, a copied backup or a umask may have left the cache open.
 * Each loose path we own is tightened (0700 directory, 0600 files); one we cannot tighten is named in a
 * warning, since refusing to run would block every job over a fixable permission.
 */
export function tightenCacheModes(file: string, warn: (line: string) => void, uid = process.getuid?.()): void {
  tighten(dirname(file), 'directory', DIR_LOOSE, 0o700, uid, warn);
  // SQLite creates -wal/-shm with the database file's mode, but ones left from before keep theirs.
  for (const path of [file, `${file}-wal`, `${file}-shm`]) tighten(path, 'file', FILE_LOOSE, 0o600, uid, warn);
}

function tighten(path: string, kind: string, loose: number, wanted: number, uid: number | undefined, warn: (line: string) => void): void {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return; // missing (-wal between runs) or unreadable: opening the cache reports what matters
  }
  if ((stat.mode & loose) === 0) return;
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  const open = `[WARNING ] job cache ${kind} ${path} has mode ${mode}, open to other users`;
  if (kind === 'directory' && (stat.mode & STICKY) !== 0) {
    // a shared directory such as /tmp: closing it would break everyone else
    warn(`${open}; set cachedir to a private directory`);
    return;
  }
  if (uid !== undefined && stat.uid !== uid) {
    warn(`${open}, and belongs to uid ${stat.uid}, not ${uid}: chmod ${wanted.toString(8)} it`);
    return;
  }
  try {
    chmodSync(path, wanted);
  } catch (err) {
    warn(`${open}, and chmod ${wanted.toString(8)} failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
