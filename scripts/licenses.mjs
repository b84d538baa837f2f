// The packages esbuild put into the single binary (from its metafile inputs), and their licences.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, ROOT } from './packages.mjs';

const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;
const LICENSE_FILE = /^(?:licen[cs]e|copying)(?:[.-].*)?$/i;

/** Every package with a file in the bundle, sorted by its directory (`node_modules/a/node_modules/b`: the innermost). */
export function bundledPackages(metafileInputs) {
  const dirs = [...new Set(metafileInputs.map((input) => PACKAGE_DIR.exec(input)?.[1]).filter((dir) => dir !== undefined))].sort();
  return dirs.map((dir) => {
    const { name, version, license } = manifest(join(ROOT, dir));
    return { dir, name, version, license };
  });
}

/** name → version; a top-level copy wins over nested ones (it is the one brine's own imports get). */
export function packageVersions(packages) {
  const versions = new Map();
  for (const { dir, name, version } of packages) {
    if (dir === `node_modules/${name}` || !versions.has(name)) versions.set(name, version);
  }
  return Object.fromEntries([...versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function licenseText(dir) {
  const files = readdirSync(dir).filter((name) => LICENSE_FILE.test(name)).sort();
  return files.map((name) => readFileSync(join(dir, name), 'utf8').trimEnd()).join('\n\n');
}

function section(title, text) {
  return `${'='.repeat(78)}\n${title}\n${'='.repeat(78)}\n\n${text}\n\n`;
}

/** THIRD-PARTY-LICENSES: each bundled package's licence files, then Node's LICENSE (which covers what Node bundles). */
export function thirdPartyLicenses(packages, nodePackage) {
  const parts = packages.map(({ dir, name, version, license }) => {
    // A few packages ship no licence file; their package.json licence is all there is to quote.
    const text = licenseText(join(ROOT, dir)) || `No licence file in the package; its package.json says: ${license}`;
    return section(`${name} ${version} (${license ?? 'no licence field'})`, text);
  });
  const nodeLicense = join(nodePackage, 'LICENSE');
  if (!existsSync(nodeLicense)) throw new Error(`${nodePackage}: no LICENSE`);
  parts.push(section(`Node.js ${manifest(nodePackage).version} (the runtime this executable is made of)`, readFileSync(nodeLicense, 'utf8').trimEnd()));
  return `brine's single executable contains the following third-party software.\n\n${parts.join('')}`;
}
