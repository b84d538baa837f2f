// Bundles each bin with esbuild: one file for oclif and the CLI cuts ~100 ms from every start.
// What stays external is derived, never listed by hand:
// - returner drivers, from the returner registry (dist/, built by tsc just before): each is loaded
//   only when its returner runs, and must stay resolvable so the registry can tell it is installed;
// - runtime dependencies that build native code (an install script or binding.gyp): esbuild cannot
//   bundle a `.node` file;
// - packages outside package.json's runtime dependencies (oclif probing for typescript, ts-node…).
// The version and commit are fixed here (src/core/build-info.ts); scripts/build-binary.mjs makes the single binary.
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { returnerDrivers } from '../dist/returners/registry.js';
import { defineBuildInfo, isNative, packageName, runtimeClosure } from './packages.mjs';

const closure = runtimeClosure();
const drivers = new Set(returnerDrivers());
const builtins = new Set(builtinModules);

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
  target: 'node24',
  plugins: [externals],
  define: defineBuildInfo(),
  banner: { js: "import { createRequire as __brineRequire } from 'node:module'; const require = __brineRequire(import.meta.url);" },
  logLevel: 'warning',
});
