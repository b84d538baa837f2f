import { listReturners } from '../returners/registry.js';
import { bindArgs } from './args.js';
import { fnmatch } from '../salt/fnmatch.js';
import { getDoc, listFunctions, listModules, matchesDocQuery } from './registry.js';
import { pyStr } from '../salt/python.js';
import type { ExecutionModule, FunctionCall, ModuleFunction } from './types.js';

/**
 * Computed locally, but still one round trip: the value goes to the host on stdin and `cat`
 * brings it back, so a host that does not answer fails like any other function.
 */
function local(doc: string, compute: (patterns: string[]) => unknown): ModuleFunction {
  return {
    doc,
    async prepare(call: FunctionCall) {
      const { rest } = bindArgs(call, { varargs: true });
      const value = await compute(rest.map(pyStr));
      return { command: 'cat', stdin: JSON.stringify(value) };
    },
    parse(result) {
      if (result.exitCode !== 0) return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
      return { return: JSON.parse(result.stdout) as unknown, retcode: 0 };
    },
  };
}

function filterNames(names: string[], patterns: string[]): string[] {
  if (patterns.length === 0) return names;
  return names.filter((name) => patterns.some((p) => name === p || fnmatch(name, p)));
}

const list_modules = local(
  `
    List the modules loaded on the minion

    CLI Example:

        salt '*' sys.list_modules
        salt '*' sys.list_modules 's*'
    `,
  (patterns) => filterNames(listModules(), patterns),
);

const list_functions = local(
  `
    List the functions for all modules, or those of the named modules or matching globs.

    CLI Example:

        salt '*' sys.list_functions
        salt '*' sys.list_functions sys
        salt '*' sys.list_functions 'sys.list_*'
    `,
  async (patterns) => {
    const all = await listFunctions();
    if (patterns.length === 0) return all;
    return all.filter((name) => patterns.some((p) => matchesDocQuery(name, p)));
  },
);

const doc = local(
  `
    Return the docstrings for all modules. Optionally, specify a module or a
    function to narrow the selection.

    CLI Example:

        salt '*' sys.doc
        salt '*' sys.doc sys
        salt '*' sys.doc sys.doc
    `,
  async (patterns) => {
    if (patterns.length === 0) return getDoc();
    const parts = await Promise.all(patterns.map((p) => getDoc(p)));
    return Object.assign({}, ...parts) as Record<string, string>;
  },
);

const list_returners = local(
  `
    List the returners that brine can use (--return, master_job_cache).

    CLI Example:

        salt '*' sys.list_returners
        salt '*' sys.list_returners 's*'
    `,
  (patterns) => filterNames([...listReturners()].sort(), patterns),
);

export const executionModule: ExecutionModule = {
  name: 'sys',
  functions: { list_modules, list_functions, doc, list_returners },
};
