import { matchesDocQuery } from './doc-query.js';
import { nearestName } from './suggest.js';
import type { ReturnerRegistry } from '../returners/registry.js';
import { ArgumentError, type ExecutionModule, type ModuleCatalog, type ModuleFunction } from './types.js';

/** `returners`: the run's returner registry, which sys.list_returners lists (custom returners included). */
type ModuleLoader = (returners?: ReturnerRegistry) => Promise<ExecutionModule>;

/** salt's module name → a lazy import of its one file. Adding a module = one file + one line here. */
const MODULES: Readonly<Record<string, ModuleLoader>> = Object.freeze({
  cmd: async () => (await import('./cmd.js')).executionModule,
  disk: async () => (await import('./disk.js')).executionModule,
  file: async () => (await import('./file.js')).executionModule,
  grains: async () => (await import('./grains.js')).executionModule,
  pkg: async () => (await import('./pkg.js')).executionModule,
  service: async () => (await import('./service.js')).executionModule,
  status: async () => (await import('./status.js')).executionModule,
  // sys lists this table: it is handed the catalog instead of importing the registry (an import cycle).
  sys: async (returners) => (await import('./sys.js')).createSysModule(CATALOG, returners),
  test: async () => (await import('./test.js')).executionModule,
});

const FUN_NAME = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

async function loadModule(name: string, returners?: ReturnerRegistry): Promise<ExecutionModule | undefined> {
  const loader = Object.hasOwn(MODULES, name) ? MODULES[name] : undefined;
  return loader === undefined ? undefined : loader(returners);
}

/** The function behind `fun` (`cmd.run`), or salt's `'<fun>' is not available.` */
export async function loadFunction(fun: string, returners?: ReturnerRegistry): Promise<ModuleFunction> {
  const match = FUN_NAME.exec(fun);
  const module = match?.[1] === undefined ? undefined : await loadModule(match[1], returners);
  const short = match?.[2];
  const found = module !== undefined && short !== undefined && Object.hasOwn(module.functions, short);
  if (!found) throw new ArgumentError(`'${fun}' is not available.${match === null ? '' : await didYouMean(fun)}`);
  return module.functions[short] as ModuleFunction;
}

/** ` Did you mean 'cmd.run'?` for a well-formed name one typo away from a real function, else ''. */
async function didYouMean(fun: string): Promise<string> {
  const nearest = nearestName(fun, await listFunctions());
  return nearest === undefined ? '' : ` Did you mean '${nearest}'?`;
}

export function listModules(): string[] {
  return Object.keys(MODULES).sort();
}

/** `module.function` names, of one module or of all, sorted. */
export async function listFunctions(moduleName?: string): Promise<string[]> {
  const names = moduleName === undefined ? listModules() : [moduleName];
  const lists = await Promise.all(
    names.map(async (name) => {
      const module = await loadModule(name);
      return module === undefined ? [] : Object.keys(module.functions).map((short) => `${name}.${short}`);
    }),
  );
  return lists.flat().sort();
}

/**
 * Docstrings by function name, for `sys.doc`: all of them, one module's (`cmd`), one function's
 * (`cmd.run`), or those matching a glob (`cmd.run*`). Nothing matching gives `{}`, as salt does.
 */
export async function getDoc(fun?: string): Promise<Record<string, string>> {
  const all = await listFunctions();
  const matches = all.filter((name) => fun === undefined || matchesDocQuery(name, fun));
  const docs: Record<string, string> = {};
  for (const name of matches) docs[name] = (await loadFunction(name)).doc;
  return docs;
}

const CATALOG: ModuleCatalog = Object.freeze({ listModules, listFunctions, getDoc });
