import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { checkOptions, isOptionKey, saltfileKeyToDest } from './options.js';
import { SALTFILE_FLAG_CHECKS, SALTFILE_MASTER_KEYS, SALTFILE_REFUSED, SALTFILE_THIN_KEYS } from './saltfile-keys.js';
import { expandPath } from './paths.js';
import { clip, describeValue, isMapping, readOption } from './validate.js';
import { parseYaml, readOptionalFile } from './yaml-file.js';

export interface SaltfileInput {
  cwd: string;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  /** `--saltfile`. */
  saltfile?: string;
}

export interface Saltfile {
  /** The file read, when one was found. */
  file?: string;
  /** Its `salt-ssh:` section, keyed by salt's option dests. */
  values: Record<string, unknown>;
}

/** salt accepts a directory for `--saltfile` and looks for `Saltfile` inside it. */
async function asFile(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  return st?.isDirectory() === true ? join(path, DEFAULTS.saltfileName) : path;
}

/** Explicit choices must exist; the implicit `./Saltfile` and `~/.salt/Saltfile` are optional. */
async function locate(input: SaltfileInput): Promise<{ file: string; explicit: string | undefined }[]> {
  if (input.saltfile !== undefined && input.saltfile !== '') {
    return [{ file: await asFile(expandPath(input.saltfile, input)), explicit: '--saltfile' }];
  }
  const fromEnv = input.env['SALT_SALTFILE'];
  if (fromEnv !== undefined && fromEnv !== '') {
    return [{ file: await asFile(expandPath(fromEnv, input)), explicit: 'SALT_SALTFILE' }];
  }
  return [
    { file: join(input.cwd, DEFAULTS.saltfileName), explicit: undefined },
    { file: expandPath(DEFAULTS.userSaltfile, input), explicit: undefined },
  ];
}

/** Parses a Saltfile's text; `salt-ssh:` keys become option dests and are type-checked. */
export function parseSaltfile(text: string, file: string): Record<string, unknown> {
  const data = parseYaml(text, file);
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) throw new ConfigError(`${file}: must be a mapping (got ${describeValue(data)})`);
  const section = data['salt-ssh'];
  if (section === null || section === undefined) return {};
  if (!isMapping(section)) {
    throw new ConfigError(`${file}: key 'salt-ssh' must be a mapping (got ${describeValue(section)})`);
  }
  // No prototype: a `__proto__` key stays a key (and is refused like any unknown one).
  const values = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(section)) values[saltfileKeyToDest(key)] = value;
  checkOptions(values, file);
  checkSaltfileKeys(values, file);
  return values;
}

/** Each key is honoured, noted (thin keys) or refused in one line; an unknown key is an error, never ignored. */
function checkSaltfileKeys(values: Readonly<Record<string, unknown>>, file: string): void {
  for (const key of Object.keys(values)) {
    if (Object.hasOwn(SALTFILE_REFUSED, key)) {
      if (key === 'roster' && values[key] === 'flat') continue;
      throw new ConfigError(`${file}: key '${key}' is not supported: ${SALTFILE_REFUSED[key] ?? ''}`);
    }
    const check = Object.hasOwn(SALTFILE_FLAG_CHECKS, key) ? SALTFILE_FLAG_CHECKS[key] : undefined;
    if (check !== undefined) {
      readOption(values, key, check, file);
      continue;
    }
    // returner options (`mysql.host`, `alternative.mysql.db`) are read by their returner
    const isKnown = isOptionKey(key) || SALTFILE_THIN_KEYS.includes(key) || SALTFILE_MASTER_KEYS.includes(key) || /^[\w-]+\.[\w.-]+$/.test(key);
    if (!isKnown) {
      throw new ConfigError(
        `${file}: unknown key '${clip(key)}' in salt-ssh: (keys are salt-ssh option dests such as ssh_max_procs, roster_file, output, static; see README "Saltfile")`,
      );
    }
  }
}

/** Finds and reads the Saltfile: `--saltfile` > `$SALT_SALTFILE` > `./Saltfile` > `~/.salt/Saltfile`. */
export async function readSaltfile(input: SaltfileInput): Promise<Saltfile> {
  for (const { file, explicit } of await locate(input)) {
    const res = await readOptionalFile(file, 'Saltfile');
    if (res.found) return { file, values: parseSaltfile(res.text, file) };
    if (explicit === '--saltfile') throw new UsageError(`--saltfile: ${file} does not exist`);
    if (explicit !== undefined) throw new ConfigError(`${explicit}: Saltfile ${file} does not exist`);
  }
  return { values: {} };
}
