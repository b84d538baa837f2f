import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { checkOptions } from './options.js';
import { describeValue, isMapping } from './validate.js';
import { parseYaml, readOptionalFile } from './yaml-file.js';

export interface MasterConfig {
  /** `<config_dir>/master`, when it exists. */
  masterFile?: string;
  /** The options set by the master file and master.d (no defaults). */
  opts: Record<string, unknown>;
}

/** Parses one master-format file: empty is `{}`, anything but a mapping is an error naming the file. */
export function parseMasterText(text: string, file: string): Record<string, unknown> {
  const data = parseYaml(text, file);
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) {
    throw new ConfigError(`${file}: must be a mapping of options (got ${describeValue(data)})`);
  }
  checkOptions(data, file);
  return data;
}

/** salt merges include files into each other recursively (`salt.utils.dictupdate.update`). */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  // No prototype: a `__proto__` or `constructor` key is merged as data, never as the object's prototype.
  const out = Object.assign(Object.create(null) as Record<string, unknown>, base);
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isMapping(prev) && isMapping(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

async function includeFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.endsWith('.conf')).sort().map((n) => join(dir, n));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new ConfigError(`config directory ${dir} is not readable (${code ?? 'error'})`, { cause });
  }
}

/** Reads `<config_dir>/master`, then `master.d/*.conf` in sorted order; include keys replace master keys, as in salt. */
export async function readMasterConfig(configDir: string): Promise<MasterConfig> {
  const masterFile = join(configDir, DEFAULTS.masterFile);
  const main = await readOptionalFile(masterFile, 'master config');
  let includes: Record<string, unknown> = {};
  for (const file of await includeFiles(join(configDir, DEFAULTS.masterIncludeDir))) {
    const res = await readOptionalFile(file, 'master config');
    if (res.found) includes = deepMerge(includes, parseMasterText(res.text, file));
  }
  const opts = { ...(main.found ? parseMasterText(main.text, masterFile) : {}), ...includes };
  return main.found ? { masterFile, opts } : { opts };
}
