import type { ModuleFunction } from '../modules/types.js';

/** `-r/--raw-shell`: the command line as typed, returning salt-ssh's `{stdout, stderr, retcode}`. */
export const rawShell: ModuleFunction = {
  doc: 'Run a raw shell command on the host (salt-ssh -r).',
  prepare(call) {
    return { command: call.args.map(String).join(' ') };
  },
  parse(result) {
    const retcode = result.exitCode ?? 255;
    return { return: { stdout: result.stdout, stderr: result.stderr, retcode }, retcode };
  },
};
