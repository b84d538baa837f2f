// Bundles each bin with esbuild: one file for oclif and the CLI cuts ~100 ms from every start.
// What stays external is derived, never listed by hand:
// - returner drivers, from the returner registry (dist/, built by tsc just before): each is loaded
//   only when its returner runs, and must stay resolvable so the registry can tell it is installed;
// - runtime dependencies that build native code (an install script or binding.gyp): esbuild cannot
//   bundle a `.node` file;
// - packages outside package.json's runtime dependencies (oclif probing for typescript, ts-node…).
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { returnerDrivers } from '../dist/returners/registry.js';

const root = new URL('..', import.meta.url).pathname;

function manifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** package.json's dependencies and everything they depend on, installed flat under node_modules. */
function runtimeClosure() {
  const seen = new Set();
  const queue = Object.keys(manifest(root).dependencies ?? {});
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const dir = join(root, 'node_modules', name);
    if (seen.has(name) || !existsSync(join(dir, 'package.json'))) continue;
    seen.add(name);
    const pkg = manifest(dir);
    queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return seen;
}

function isNative(name) {
  const dir = join(root, 'node_modules', name);
  const pkg = manifest(dir);
  return pkg.gypfile === true || pkg.scripts?.install !== undefined || existsSync(join(dir, 'binding.gyp'));
}

const closure = runtimeClosure();
const drivers = new Set(returnerDrivers());
const builtins = new Set(builtinModules);
const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

const externals = {
  name: 'derived-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) return undefined;
      const name = packageName(args.path);
      const isExternal = drivers.has(name) || !closure.has(name) || isNative(name);
      return isExternal ? { path: args.path, external: true } : undefined;
    });
  },
};

await build({
  entryPoints: { 'salt-ssh': 'src/bundle/salt-ssh.ts', 'salt-run': 'src/bundle/salt-run.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externals],
  banner: { js: "import { createRequire as __brineRequire } from 'node:module'; const require = __brineRequire(import.meta.url);" },
  logLevel: 'warning',
});
