/** What a build fixed: brine's version, the commit it was built from, and (in the binary) what it bundles. */
import { readFileSync } from 'node:fs';

export interface BuildInfo {
  readonly version: string;
  /** `git rev-parse --short HEAD` of the built tree, `-dirty` when tracked files differed from it; `unknown` outside git. */
  readonly commit: string;
  /** Versions of the packages built into a self-contained binary; absent when they are installed beside brine (npm). */
  readonly bundled?: Readonly<Record<string, string>>;
}

// Replaced by a literal through esbuild's `define` in both builds (scripts/build-info.mjs).
declare const BRINE_BUILD_INFO: BuildInfo | undefined;

/** Unbundled (the tests, the bench's tsc output): brine's package.json is the first one upward; no build commit. */
function unbundled(): BuildInfo {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'brine') return { version: pkg.version, commit: 'unknown' };
    } catch {
      // no package.json here: look one level up
    }
    if (dir.pathname === '/') return { version: 'unknown', commit: 'unknown' };
  }
}

export const BUILD_INFO: BuildInfo = Object.freeze(typeof BRINE_BUILD_INFO === 'undefined' ? unbundled() : BRINE_BUILD_INFO);

/** `salt-ssh 0.1.0 (brine; node 24.22.3; commit 1a2b3c4)`: what `--version` prints, one line. */
export function versionLine(bin: string, info: BuildInfo = BUILD_INFO): string {
  return `${bin} ${info.version} (brine; node ${process.versions.node}; commit ${info.commit})`;
}
