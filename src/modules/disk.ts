import { bindArgs } from './args.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError, type ExecutionModule, type ModuleFunction } from './types.js';

/** df flags that keep POSIX output (`-P -k` are always passed). */
const ALLOWED_FLAGS = new Set(['a', 'k', 'l', 'P', 'x']);
const DF_LINE = /^(.+?)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/;

function flagsOf(fun: string, raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return '';
  const flags = pyStr(raw).replace(/^-/, '');
  for (const flag of flags) {
    if (!ALLOWED_FLAGS.has(flag)) throw new ArgumentError(`${fun}: invalid flag '${flag}' passed to df (allowed: a, k, l, P, x)`);
  }
  return ` -${flags}`;
}

const usage: ModuleFunction = {
  doc: `
    Return usage information for volumes mounted on this minion
    (df -P -k; values are strings, as salt returns them).

    args: extra df flags among a, l, x (e.g. '-l' for local file systems only)

    CLI Example:

        salt '*' disk.usage
    `,
  prepare(call) {
    const { values } = bindArgs(call, { params: ['args'] });
    return { command: `df -P -k${flagsOf(call.fun, values['args'])}` };
  },
  parse(result) {
    // Mount points come from the host: a null-prototype object keeps `__proto__` a plain key.
    const volumes: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
    for (const line of result.stdout.split('\n').slice(1)) {
      const m = DF_LINE.exec(line.trimEnd());
      if (m === null) continue;
      const [, filesystem = '', blocks = '', used = '', available = '', capacity = '', mountpoint = ''] = m;
      volumes[mountpoint] = { filesystem, '1K-blocks': blocks, used, available, capacity };
    }
    // df exits 1 when one mount is unreadable but still lists the others, as salt ignores.
    if (Object.keys(volumes).length === 0 && result.exitCode !== 0) {
      return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
    }
    return { return: volumes, retcode: 0 };
  },
};

export const executionModule: ExecutionModule = { name: 'disk', functions: { usage } };
