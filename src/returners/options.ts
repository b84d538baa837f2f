import { ConfigError } from '../errors.js';
import type { MasterOptions } from '../config/types.js';

/** One returner setting: its type and salt's module default. */
export interface OptionSpec {
  /** `bool`: Python truthiness of YAML/strings (True/false/yes/no/on/off/1/0); `list`: a YAML list or a comma-separated string. */
  kind: 'string' | 'int' | 'bool' | 'list';
  default?: string | number | boolean | readonly string[];
}

export type OptionSchema = Readonly<Record<string, OptionSpec>>;

type OptionValue<K extends OptionSpec['kind']> = K extends 'int' ? number : K extends 'bool' ? boolean : K extends 'list' ? string[] : string;

export type ReturnerOptionValues<S extends OptionSchema> = {
  [K in keyof S]: OptionValue<S[K]['kind']> | undefined;
};

/** `--return_config` / `--return_kwargs` of one run. */
export interface ReturnerOptionSources {
  returnConfig?: string | undefined;
  returnKwargs?: Readonly<Record<string, unknown>> | undefined;
}

interface Found {
  value: unknown;
  key: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Flat `a.b.c`, or nested `a.b: {c}` / `a: {b: {c}}`, as salt's config.option finds it. */
function lookup(opts: MasterOptions, path: readonly string[]): Found | undefined {
  const flat = path.join('.');
  if (isSet(opts[flat])) return { value: opts[flat], key: flat };
  for (let split = path.length - 1; split >= 1; split--) {
    let node: unknown = opts[path.slice(0, split).join('.')];
    for (const part of path.slice(split)) node = isRecord(node) ? node[part] : undefined;
    if (isSet(node)) return { value: node, key: flat };
  }
  return undefined;
}

/**
 * salt's get_returner_options (salt/returners/__init__.py): `<ret_config>.<name>.<attr>` first,
 * then `<name>.<attr>`, then `--return_kwargs`, then the module defaults; the string "None" unsets.
 */
export function returnerOptions<S extends OptionSchema>(
  name: string,
  opts: MasterOptions,
  sources: ReturnerOptionSources,
  schema: S,
): ReturnerOptionValues<S> {
  const out: Record<string, string | number | boolean | string[] | undefined> = {};
  for (const [attr, spec] of Object.entries(schema)) {
    let found: Found | undefined;
    if (sources.returnConfig) found = lookup(opts, [sources.returnConfig, name, attr]);
    found ??= lookup(opts, [name, attr]);
    const kwargs = sources.returnKwargs ?? {};
    for (const key of [attr, `${name}.${attr}`]) {
      if (isSet(kwargs[key])) found = { value: kwargs[key], key: `--return_kwargs ${key}` };
    }
    if (found === undefined && spec.default !== undefined) found = { value: spec.default, key: `${name}.${attr}` };
    out[attr] = convert(found, spec);
  }
  return out as ReturnerOptionValues<S>;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function convert(found: Found | undefined, spec: OptionSpec): string | number | boolean | string[] | undefined {
  if (found === undefined) return undefined;
  const { value, key } = found;
  if (typeof value === 'string' && value.toLowerCase() === 'none') return undefined;
  if (spec.kind === 'list') {
    const items: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
    if (items.some((item) => isRecord(item) || Array.isArray(item))) throw new ConfigError(`${key}: expected a list of strings`);
    return items.map((item) => String(item).trim()).filter((item) => item !== '');
  }
  if (spec.kind === 'bool') {
    const text = String(value).trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw new ConfigError(`${key}: expected True or False, got '${String(value)}'`);
  }
  if (isRecord(value) || Array.isArray(value)) {
    // Only the type: the value may hold a secret (mysql.pass).
    throw new ConfigError(`${key}: expected a ${spec.kind === 'int' ? 'integer' : 'string'}, got ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
  }
  if (spec.kind === 'string') return String(value);
  const text = String(value).trim();
  if (!/^[+-]?\d+$/.test(text)) throw new ConfigError(`${key}: expected an integer, got '${String(value)}'`);
  return Number.parseInt(text, 10);
}
