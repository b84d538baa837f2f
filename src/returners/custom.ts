/**
 * Returners written by users, loaded as salt loads its custom returners: every `.js`/`.mjs` file in
 * the `returner_dirs` directories and in `<extension_modules>/returners/` (salt's default
 * extension_modules: `<cachedir>/extmods`). The file name is the returner name (`webhook.mjs` →
 * `--return webhook`); files starting with `_` are the user's helpers and are not returners.
 *
 * A file exports `createReturner(ctx)` returning the Returner interface of types.ts (`returner(rets)`
 * required; `name`, `capabilities` and `close` default to the file name, none, and a no-op). `ctx` also
 * carries `options(schema)` (salt's option lookup under the returner's name: `<name>.<key>`,
 * `--return_config`, `--return_kwargs`) and `ReturnerError` (throw `new ctx.ReturnerError('item', …)`
 * for a return the service refuses for good, `'returner'` for bad settings; anything else is retried).
 *
 * Decisions: a custom name equal to a built-in one is refused (exit 78, naming the file) rather than
 * shadowing it, as a master_job_cache must not change store because a file appeared; the same name
 * twice is refused too. A file is imported only when a run uses it (or sys.list_returners asks it);
 * a broken one (syntax error, throws on load, no createReturner) is one line naming the file, exit 78.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expandPath } from '../config/paths.js';
import type { MasterOptions } from '../config/types.js';
import { ConfigError, describeError } from '../errors.js';
import { ReturnerError, type FailureScope } from './failure.js';
import { returnerOptions, type OptionSchema } from './options.js';
import { RETURNERS, type ReturnerEntry, type ReturnerRegistry } from './registry.js';
import type { Returner, ReturnerLoadContext, ReturnerModule } from './types.js';

/** What a custom returner's createReturner receives: the usual context plus its option reader and error class. */
export interface CustomReturnerContext extends ReturnerLoadContext {
  options<S extends OptionSchema>(schema: S): ReturnType<typeof returnerOptions<S>>;
  ReturnerError: typeof ReturnerError;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SCOPES: ReadonlySet<string> = new Set(['transient', 'item', 'returner']);
/** The Returner methods a custom object may have (own or inherited, e.g. a class instance). */
const METHODS = ['returner', 'saveLoad', 'saveMinions', 'getLoad', 'getJid', 'getFun', 'getJids', 'getJidsFilter', 'getMinions',
  'prepJid', 'eventReturn', 'cleanOldJobs', 'cleanOldRows', 'init', 'close'] as const satisfies ReadonlyArray<keyof Returner>;

function listSetting(value: unknown, key: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new ConfigError(`${key}: expected a directory or a list of directories`);
}

/** The directories searched, in salt's order: returner_dirs, then <extension_modules>/returners. */
export function customReturnerDirs(opts: MasterOptions, cachedir: string, cwd = process.cwd()): string[] {
  const where = { cwd, homeDir: homedir() };
  const ext = opts['extension_modules'];
  if (ext !== undefined && ext !== null && typeof ext !== 'string') throw new ConfigError('extension_modules: expected a directory');
  const extDir = typeof ext === 'string' && ext !== '' ? expandPath(ext, where) : join(cachedir, 'extmods');
  return [...listSetting(opts['returner_dirs'], 'returner_dirs').map((d) => expandPath(d, where)), join(extDir, 'returners')];
}

async function filesIn(dir: string): Promise<string[]> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) return [];
  const names = await readdir(dir).catch((err: unknown) => {
    throw new ConfigError(`returner_dirs: cannot read ${dir}: ${describeError(err)}`);
  });
  return names.filter((n) => ['.js', '.mjs'].includes(extname(n)) && !n.startsWith('_')).sort().map((n) => join(dir, n));
}

/** Errors a custom returner throws with a `scope` property become ReturnerErrors of that scope. */
function scoped(err: unknown): unknown {
  const scope = (err as { scope?: unknown } | null)?.scope;
  if (err instanceof ReturnerError || typeof scope !== 'string' || !SCOPES.has(scope)) return err;
  return new ReturnerError(scope as FailureScope, describeError(err), { cause: err });
}

function wrap(made: unknown, name: string, file: string): Returner {
  const r = made as Partial<Returner> | null;
  if (typeof r !== 'object' || r === null || typeof r.returner !== 'function') {
    throw new ConfigError(`${file}: createReturner() must return an object with a returner(rets) method`);
  }
  const call = <A extends unknown[], T>(fn: (...args: A) => Promise<T>) => async (...args: A): Promise<T> => {
    try {
      return await fn.apply(r, args);
    } catch (err) {
      throw scoped(err);
    }
  };
  const methods: Record<string, unknown> = {};
  for (const key of METHODS) {
    const fn = (r as Record<string, unknown>)[key];
    if (typeof fn === 'function') methods[key] = call(fn as (...a: unknown[]) => Promise<unknown>);
  }
  return {
    ...methods,
    name: typeof r.name === 'string' ? r.name : name,
    capabilities: { jobCache: false, events: false, retention: false, ...r.capabilities },
    returner: methods['returner'] as Returner['returner'],
    close: (methods['close'] as Returner['close'] | undefined) ?? (() => Promise.resolve()),
  };
}

/** `SyntaxError: Unexpected end of input`: the class says what kind of mistake it is. */
function withName(err: unknown): string {
  return err instanceof Error && err.name !== 'Error' ? `${err.name}: ${describeError(err)}` : describeError(err);
}

/** One custom file's registry entry; the import happens once, on first use. */
export function customEntry(name: string, file: string): ReturnerEntry {
  let imported: Promise<ReturnerModule> | undefined;
  const load = (): Promise<ReturnerModule> => {
    imported ??= (async () => {
      let mod: Partial<ReturnerModule>;
      try {
        mod = (await import(pathToFileURL(file).href)) as Partial<ReturnerModule>;
      } catch (err) {
        throw new ConfigError(`${file}: cannot load custom returner ${name}: ${withName(err)}`);
      }
      const create = mod.createReturner;
      if (typeof create !== 'function') throw new ConfigError(`${file}: custom returner ${name} exports no createReturner function`);
      return {
        async createReturner(ctx: ReturnerLoadContext) {
          const own: CustomReturnerContext = { ...ctx, options: (schema) => returnerOptions(name, ctx.opts, ctx, schema), ReturnerError };
          let made: unknown;
          try {
            made = await create(own);
          } catch (err) {
            if (err instanceof ConfigError) throw err;
            throw new ConfigError(`${file}: createReturner failed: ${describeError(err)}`);
          }
          return wrap(made, name, file);
        },
      };
    })();
    return imported;
  };
  return {
    load,
    isAvailable: () => load().then(() => true as const, (err: unknown) => describeError(err)),
  };
}

/** The run's registry: the built-ins plus the custom returners found in the configured directories. */
export async function returnerRegistry(
  opts: MasterOptions,
  cachedir: string,
  { builtIns = RETURNERS, cwd }: { builtIns?: ReturnerRegistry; cwd?: string } = {},
): Promise<ReturnerRegistry> {
  const custom: Record<string, ReturnerEntry> = {};
  const origin = new Map<string, string>();
  for (const dir of customReturnerDirs(opts, cachedir, cwd)) {
    for (const file of await filesIn(dir)) {
      const name = basename(file, extname(file));
      if (!NAME.test(name)) throw new ConfigError(`${file}: a custom returner's file name must be a returner name (letters, digits, _); prefix helper files with _`);
      if (Object.hasOwn(builtIns, name)) throw new ConfigError(`${file}: '${name}' is a built-in returner; rename the file (custom returners cannot replace built-in ones)`);
      const first = origin.get(name);
      if (first !== undefined) throw new ConfigError(`${file}: custom returner '${name}' is already defined by ${first}`);
      origin.set(name, file);
      custom[name] = customEntry(name, file);
    }
  }
  return origin.size === 0 ? builtIns : Object.freeze({ ...builtIns, ...custom });
}
