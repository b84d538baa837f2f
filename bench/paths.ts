/** Where the repository is, whether this runs compiled from .bench/build/bench or straight from bench/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'salt-ssh.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`bench: no brine checkout above ${start}`);
  }
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const SALT_SSH = join(REPO_ROOT, 'bin', 'salt-ssh.js');
export const SALT_RUN = join(REPO_ROOT, 'bin', 'salt-run.js');
export const RESULTS_FILE = join(REPO_ROOT, '.bench', 'results.json');
