import { execute, settings } from '@oclif/core';
import { BUILD_INFO } from '../core/build-info.js';

export type BinName = 'salt-ssh' | 'salt-run';

/** Where oclif finds the bin: `root` stands for the package, `target` is the module holding the command and the help class. */
export interface BinLocation {
  root: string;
  target: string;
}

/**
 * Runs one of brine's two bins as an oclif single-command CLI, with a package.json made here from the
 * build info: the single binary has no package.json beside it, and each bin names its own command.
 */
export async function runBin(bin: BinName, { root, target }: BinLocation, args: readonly string[] = process.argv.slice(2)): Promise<void> {
  // The target is compiled JavaScript: oclif must not look for TypeScript (it does when NODE_ENV=test).
  settings.enableAutoTranspile = false;
  const pjson = {
    name: 'brine',
    version: BUILD_INFO.version,
    // The help class comes from the same module, so --help needs no separate file.
    oclif: { bin, dirname: 'brine', commands: { strategy: 'single', target }, helpClass: { target, identifier: 'BrineHelp' } },
  };
  const result = await execute({ args: [...args], loadOptions: { root, pjson: pjson as never } });
  // The command returns its exit code; exiting here ends lingering sockets (e.g. a returner pool) too.
  await exitWhenFlushed(typeof result === 'number' ? result : Number(process.exitCode ?? 0));
}

/** Exits once a pipe reader has everything written so far: pipe writes can still be queued, and exit drops them. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(code);
}

function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // Nothing queued, or a stream that failed (EPIPE, ENOSPC: reported already): nothing to wait for.
    if (!stream.writable || stream.errored || stream.writableLength === 0) return resolve();
    stream.write('', () => resolve());
  });
}
