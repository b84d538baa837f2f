// What the bundlers need to know about installed packages and the tree being built.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function manifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** package.json's dependencies and everything they depend on, installed flat under node_modules: name → version. */
export function runtimeClosure(root = ROOT) {
  const seen = new Map();
  const queue = Object.keys(manifest(root).dependencies ?? {});
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const dir = join(root, 'node_modules', name);
    if (seen.has(name) || !existsSync(join(dir, 'package.json'))) continue;
    const pkg = manifest(dir);
    seen.set(name, pkg.version);
    queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return seen;
}

/** A package that builds native code (an install script or binding.gyp): esbuild cannot bundle its `.node` file. */
export function isNative(name, root = ROOT) {
  const dir = join(root, 'node_modules', name);
  const pkg = manifest(dir);
  return pkg.gypfile === true || pkg.scripts?.install !== undefined || existsSync(join(dir, 'binding.gyp'));
}

/** `react-dom/server` → `react-dom`, `@oclif/core/lib/x` → `@oclif/core`. */
export const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

function git(root, args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** `1a2b3c4`, `1a2b3c4-dirty` when tracked files differ from HEAD (untracked ones do not count), `unknown` outside git. */
export function gitCommit(root = ROOT) {
  try {
    const commit = git(root, ['rev-parse', '--short', 'HEAD']);
    return git(root, ['status', '--porcelain', '--untracked-files=no']) === '' ? commit : `${commit}-dirty`;
  } catch {
    return 'unknown';
  }
}

/** esbuild `define` for src/core/build-info.ts; `bundled` only for the self-contained binary. */
export function defineBuildInfo({ bundled, root = ROOT } = {}) {
  const info = { version: manifest(root).version, commit: gitCommit(root), ...(bundled === undefined ? {} : { bundled }) };
  return { BRINE_BUILD_INFO: JSON.stringify(info) };
}
