import { bindArgs } from './args.js';
import { shellQuote } from './shell.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError, type ExecutionModule, type ModuleFunction } from './types.js';

const NO_MANAGER = 'brine-no-package-manager';

/** One `name<TAB>version` line per name; dpkg first, then rpm (epoch kept, `(none)` dropped). */
function versionScript(names: string[]): string {
  return [
    'if command -v dpkg-query >/dev/null 2>&1; then pm=dpkg',
    'elif command -v rpm >/dev/null 2>&1; then pm=rpm',
    `else echo ${NO_MANAGER}; exit 0; fi`,
    `for n in ${names.map(shellQuote).join(' ')}; do`,
    '  if [ "$pm" = dpkg ]; then',
    `    v=$(dpkg-query -W -f='\${Status} \${Version}\\n' "$n" 2>/dev/null | awk '$3 == "installed" { print $4; exit }')`,
    '  else',
    `    v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\\n' "$n" 2>/dev/null) || v=''`,
    `    v=$(printf '%s\\n' "$v" | sed 's/^(none)://' | paste -sd, -)`,
    '  fi',
    `  printf '%s\\t%s\\n' "$n" "$v"`,
    'done',
  ].join('\n');
}

function namesOf(fun: string, args: unknown[]): string[] {
  const names = args.map(pyStr);
  if (names.length === 0) throw new ArgumentError(`${fun}: missing required argument 'name'`);
  const bad = names.find((name) => name === '' || name.startsWith('-'));
  if (bad !== undefined) throw new ArgumentError(`${fun}: invalid package name '${bad}'`);
  return names;
}

const version: ModuleFunction = {
  doc: `
    Returns a string representing the package version or an empty string if not
    installed. If more than one package name is specified, a dict of
    name/version pairs is returned.

    CLI Example:

        salt '*' pkg.version <package name>
        salt '*' pkg.version <package1> <package2> <package3> ...
    `,
  prepare(call) {
    const { rest } = bindArgs(call, { varargs: true });
    return { command: versionScript(namesOf(call.fun, rest)) };
  },
  parse(result, call) {
    if (result.exitCode !== 0) return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
    if (result.stdout.startsWith(NO_MANAGER)) {
      return { return: `${call.fun}: neither dpkg-query nor rpm is available on the host`, retcode: 1 };
    }
    const versions: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const line of result.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) versions[line.slice(0, tab)] = line.slice(tab + 1);
    }
    const names = call.args.map(pyStr);
    if (names.length === 1) return { return: versions[names[0] ?? ''] ?? '', retcode: 0 };
    return { return: Object.fromEntries(names.map((name) => [name, versions[name] ?? ''])), retcode: 0 };
  },
};

export const executionModule: ExecutionModule = { name: 'pkg', functions: { version } };
