// The single binary's oclif targets, served from memory: oclif loads a single command's module and the
// help class by path, so scripts/build-binary.mjs patches its module loader to ask embeddedModule first.
import { basename } from 'node:path';
import type { BinName } from '../cli/run-bin.js';
import * as saltRun from './salt-run.js';
import * as saltSsh from './salt-ssh.js';

const MODULES: Readonly<Record<string, object>> = Object.freeze({ 'brine-embedded:salt-ssh': saltSsh, 'brine-embedded:salt-run': saltRun });

/** A target no file has: oclif joins it to the root, and embeddedModule recognises it by its last segment. */
export function embeddedTarget(bin: BinName): string {
  return `brine-embedded:${bin}`;
}

export function embeddedModule(path: string): object | undefined {
  const name = basename(path);
  return Object.hasOwn(MODULES, name) ? MODULES[name] : undefined;
}
