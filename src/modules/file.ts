import { bindArgs } from './args.js';
import { shellQuote } from './shell.js';
import { pyStr } from '../salt/python.js';
import type { ExecutionModule, ModuleFunction } from './types.js';

/** `~/x` is expanded on the host, as salt's os.path.expanduser does; the rest is passed literally. */
function hostPath(path: string): string {
  if (path === '~') return '"$HOME"';
  return path.startsWith('~/') ? `"$HOME"/${shellQuote(path.slice(2))}` : shellQuote(path);
}

const file_exists: ModuleFunction = {
  doc: `
    Check if a file exists (a regular file, not a directory)

    CLI Example:

        salt '*' file.file_exists /etc/passwd
    `,
  prepare(call) {
    const { values } = bindArgs(call, { params: ['path'], required: 1 });
    return { command: `if [ -f ${hostPath(pyStr(values['path']))} ]; then echo True; else echo False; fi` };
  },
  parse(result) {
    if (result.exitCode !== 0) return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
    return { return: result.stdout.trim() === 'True', retcode: 0 };
  },
};

export const executionModule: ExecutionModule = { name: 'file', functions: { file_exists } };
