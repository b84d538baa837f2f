// Shared by bin/salt-ssh.js and bin/salt-run.js. The Node check comes before the bundle is imported:
// the bundle imports node:sqlite, which an older Node fails to link with a stack trace.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** ExitCode.CONFIG in src/errors.ts: this file runs before any of brine is loaded. */
const EXIT_CONFIG = 78;

/** `>=24.11` → [24, 11]: the only form of package.json's engines.node this check reads. */
function minimumNode() {
  const range = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  const match = /^>=(\d+)\.(\d+)$/.exec(range);
  if (match === null) throw new Error(`package.json engines.node '${range}' is not of the form >=MAJOR.MINOR`);
  return { range, major: Number(match[1]), minor: Number(match[2]) };
}

export async function launch(bin) {
  const need = minimumNode();
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < need.major || (major === need.major && minor < need.minor)) {
    process.stderr.write(`${bin}: error: brine needs Node.js ${need.range}, but ${process.execPath} is ${process.version}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { runBin } = await import(`../dist/bundle/${bin}.mjs`);
  await runBin(bin, { root: ROOT, target: `./dist/bundle/${bin}.mjs` });
}
