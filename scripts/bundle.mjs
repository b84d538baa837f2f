// Bundles each bin with esbuild: one file for oclif and the CLI cuts ~100 ms from every start.
// Native addons and drivers that are loaded lazily stay external.
import { build } from 'esbuild';

await build({
  entryPoints: { 'salt-ssh': 'src/bundle/salt-ssh.ts', 'salt-run': 'src/bundle/salt-run.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'ssh2', 'cpu-features', 'mysql2', 'typescript', 'ts-node', 'tsx'],
  banner: { js: "import { createRequire as __brineRequire } from 'node:module'; const require = __brineRequire(import.meta.url);" },
  logLevel: 'warning',
});
