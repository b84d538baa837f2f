import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** `~` and `~/x` → the home dir; relative paths resolve against the working directory, as salt's do. */
export function expandPath(path: string, where: { cwd: string; homeDir: string }): string {
  if (path === '~') return where.homeDir;
  if (path.startsWith('~/')) return join(where.homeDir, path.slice(2));
  return resolve(where.cwd, path);
}

export async function isFile(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  return st?.isFile() === true;
}

/** True when `dir` is a writable directory, or could be created under its nearest existing ancestor. */
export async function isWritableOrCreatable(dir: string): Promise<boolean> {
  let current = resolve(dir);
  for (;;) {
    const st = await stat(current).catch((err: NodeJS.ErrnoException) => err);
    if (!(st instanceof Error)) {
      if (!st.isDirectory()) return false;
      return access(current, constants.W_OK | constants.X_OK).then(
        () => true,
        () => false,
      );
    }
    if (st.code !== 'ENOENT') return false;
    const parent = dirname(current);
    if (parent === current) return false;
    current = parent;
  }
}
