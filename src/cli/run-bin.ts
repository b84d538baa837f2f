import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs one of the package's two bins as an oclif single-command CLI. Both share one package.json,
 * so each bin loads oclif with a patched copy naming its own bin and command (ecosystem.md recipe).
 */
export async function runBin(bin: 'salt-ssh' | 'salt-run', target: string): Promise<void> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    oclif: Record<string, unknown>;
  };
  // The help class comes from the same bundle, so --help needs no separate file.
  pjson.oclif = { ...pjson.oclif, bin, commands: { strategy: 'single', target }, helpClass: { target, identifier: 'BrineHelp' } };
  const result = await execute({ loadOptions: { root, pjson: pjson as never } });
  // The command returns its exit code; exiting here ends lingering sockets (e.g. a returner pool) too,
  // once a pipe reader has everything written so far (pipe writes can still be queued).
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(typeof result === 'number' ? result : (process.exitCode ?? 0));
}

function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
