/**
 * Option helpers shared by the notification returners: salt's `<name>.profile` (a top-level mapping
 * whose keys are `<name>.<attr>`, e.g. `slack_profile: {slack.api_key: …}`), brine's `<name>.api_url`
 * base URLs and `<name>.ca_file`, and required keys refused in one line.
 */
import { ConfigError } from '../../errors.js';
import type { MasterOptions } from '../../config/types.js';
import { returnerOptions, type OptionSchema, type ReturnerOptionSources, type ReturnerOptionValues } from '../options.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * salt's get_returner_options with a profile: the named profile's `<name>.<attr>` values win over the
 * config, `--return_kwargs` over both. A profile that is missing or holds a key the schema does not
 * know is a config error naming it (salt would silently send without credentials).
 */
export function optionsWithProfile<S extends OptionSchema>(
  name: string,
  opts: MasterOptions,
  sources: ReturnerOptionSources,
  schema: S & { profile: { kind: 'string' } },
): ReturnerOptionValues<S> {
  const base = returnerOptions(name, opts, sources, schema);
  const profileName = base.profile as string | undefined;
  if (profileName === undefined) return base;
  const profile = opts[profileName];
  if (!isRecord(profile)) throw new ConfigError(`${name}.profile: profile '${profileName}' is not a mapping in the config`);
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile)) {
    const attr = key.startsWith(`${name}.`) ? key.slice(name.length + 1) : undefined;
    if (attr === undefined || attr === 'profile' || !Object.hasOwn(schema, attr)) {
      throw new ConfigError(`${profileName}.${key}: not a ${name} setting (expected ${name}.<key>)`);
    }
    flat[key] = value;
  }
  const noDefaults = Object.fromEntries(Object.entries(schema).map(([attr, spec]) => [attr, { kind: spec.kind }])) as OptionSchema;
  const fromProfile = returnerOptions(name, flat, { returnKwargs: sources.returnKwargs }, noDefaults);
  const merged: Record<string, unknown> = { ...base };
  for (const [attr, value] of Object.entries(fromProfile)) if (value !== undefined) merged[attr] = value;
  return merged as ReturnerOptionValues<S>;
}

/** A required key, or one line naming it. */
export function required<T>(value: T | undefined, key: string, what = 'is required'): T {
  if (value === undefined || value === '') throw new ConfigError(`${key} ${what}`);
  return value;
}

/** A base URL (`slack.api_url`) as a URL ending in `/`, so relative paths join under it. */
export function baseUrl(text: string, key: string): URL {
  let url: URL;
  try {
    url = new URL(text.endsWith('/') ? text : `${text}/`);
  } catch {
    throw new ConfigError(`${key}: not a URL: '${text.slice(0, 200)}'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${key}: expected an http or https URL, got '${text.slice(0, 200)}'`);
  return url;
}

/** `<name>.ca_file` for the client, with its key for errors. */
export function caFileOf(path: string | undefined, key: string): { path: string; key: string } | undefined {
  return path === undefined ? undefined : { path, key };
}
