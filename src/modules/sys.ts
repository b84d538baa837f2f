import { listUsableReturners, RETURNERS, type ReturnerRegistry } from '../returners/registry.js';
import { bindArgs } from './args.js';
import { fnmatch } from '../salt/fnmatch.js';
import { matchesDocQuery } from './doc-query.js';
import { pyStr } from '../salt/python.js';
import type { ExecutionModule, FunctionCall, ModuleCatalog, ModuleFunction } from './types.js';

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

const list_modules = (catalog: ModuleCatalog) => local(
  `
    List the modules loaded on the minion

    CLI Example:

        salt '*' sys.list_modules
        salt '*' sys.list_modules 's*'
    `,
  (patterns) => filterNames(catalog.listModules(), patterns),
);

const list_functions = (catalog: ModuleCatalog) => local(
  `
    List the functions for all modules, or those of the named modules or matching globs.

    CLI Example:

        salt '*' sys.list_functions
        salt '*' sys.list_functions sys
        salt '*' sys.list_functions 'sys.list_*'
    `,
  async (patterns) => {
    const all = await catalog.listFunctions();
    if (patterns.length === 0) return all;
    return all.filter((name) => patterns.some((p) => matchesDocQuery(name, p)));
  },
);

const doc = (catalog: ModuleCatalog) => local(
  `
    Return the docstrings for all modules. Optionally, specify a module or a
    function to narrow the selection.

    CLI Example:

        salt '*' sys.doc
        salt '*' sys.doc sys
        salt '*' sys.doc sys.doc
    `,
  async (patterns) => {
    if (patterns.length === 0) return catalog.getDoc();
    const parts = await Promise.all(patterns.map((p) => catalog.getDoc(p)));
    return Object.assign({}, ...parts) as Record<string, string>;
  },
);

const list_returners = (returners: ReturnerRegistry) => local(
  `
    List the returners that brine can use (--return, master_job_cache).

    CLI Example:

        salt '*' sys.list_returners
        salt '*' sys.list_returners 's*'
    `,
  // salt lists only returners whose __virtual__ passes: here, those whose driver is installed.
  async (patterns) => filterNames(await listUsableReturners(returners), patterns),
);

/** sys over the catalog of the registry that loads it, and the returner registry it lists. */
export function createSysModule(catalog: ModuleCatalog, returners: ReturnerRegistry = RETURNERS): ExecutionModule {
  const functions = { list_modules: list_modules(catalog), list_functions: list_functions(catalog), doc: doc(catalog) };
  return { name: 'sys', functions: { ...functions, list_returners: list_returners(returners) } };
}
