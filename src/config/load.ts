import { join } from 'node:path';
import { keepJobsSeconds } from '../salt/retention.js';
import { DEFAULTS } from './defaults.js';
import { readMasterConfig } from './master.js';
import { expandPath, isFile, isWritableOrCreatable } from './paths.js';
import { readSaltfile } from './saltfile.js';
import type { MasterOptions } from './types.js';

export interface ConfigInput {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `-c/--config-dir`. */
  configDir?: string;
  /** `--saltfile`. */
  saltfile?: string;
  /** `--roster-file`. */
  rosterFile?: string;
  homeDir: string;
  isRoot: boolean;
  /** Overrides `/var/cache/salt/master` (tests). */
  systemCacheDir?: string;
  /** Overrides `/etc/salt/roster`, the last roster fallback (tests). */
  systemRosterFile?: string;
}

export interface BrineConfig {
  configDir: string;
  /** The master file read, when it exists. */
  masterFile?: string;
  /** brine defaults < master < master.d/*.conf < Saltfile, under salt's keys. */
  opts: MasterOptions;
  /** Chosen by the documented lookup order; it may not exist (see missingRosterMessage). */
  rosterFile: string;
  /** Where rosterFile came from: the setting that named it, or the fallback files looked for, in order. */
  rosterSource: RosterSource;
  cachedir: string;
  /** The Saltfile's `salt-ssh:` values, keyed by option dest, for flags the command resolves itself. */
  saltfileValues: Record<string, unknown>;
  /** The Saltfile read, when one was found. */
  saltfile?: string;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `-c` > Saltfile `config_dir` > `$SALT_CONFIG_DIR` > `/etc/salt`. */
function chooseConfigDir(input: ConfigInput, saltfileValues: Record<string, unknown>): string {
  const dir =
    nonEmpty(input.configDir) ??
    nonEmpty(saltfileValues['config_dir']) ??
    nonEmpty(input.env['SALT_CONFIG_DIR']) ??
    DEFAULTS.configDir;
  return expandPath(dir, input);
}

export type RosterSource = { namedBy: string } | { lookedFor: string[] };

/** `--roster-file` > Saltfile > config > `<config_dir>/roster` > `./roster.yaml` > `/etc/salt/roster`. */
async function chooseRosterFile(
  input: ConfigInput,
  configDir: string,
  opts: MasterOptions,
  sf: Record<string, unknown>,
  sources: { saltfile?: string; masterFile?: string },
): Promise<{ file: string; source: RosterSource }> {
  const named: Array<[string | undefined, string]> = [
    [nonEmpty(input.rosterFile), '--roster-file'],
    [nonEmpty(sf['roster_file']), `roster_file in ${sources.saltfile ?? 'the Saltfile'}`],
    [nonEmpty(opts['roster_file']), `roster_file in ${sources.masterFile ?? join(configDir, DEFAULTS.masterFile)}`],
  ];
  for (const [value, namedBy] of named) {
    if (value !== undefined) return { file: expandPath(value, input), source: { namedBy } };
  }
  const candidates = [join(configDir, 'roster'), join(input.cwd, DEFAULTS.localRosterFile)];
  for (const candidate of candidates) {
    if (await isFile(candidate)) return { file: candidate, source: { namedBy: 'the default lookup' } };
  }
  const last = input.systemRosterFile ?? DEFAULTS.systemRosterFile;
  return { file: last, source: { lookedFor: [...candidates, last] } };
}

/** A missing roster, with where brine looked and how to point it elsewhere. */
export function missingRosterMessage(config: Pick<BrineConfig, 'rosterFile' | 'rosterSource'>): string {
  const source = config.rosterSource;
  if ('namedBy' in source) return `roster file ${config.rosterFile} not found (named by ${source.namedBy})`;
  const unique = [...new Set(source.lookedFor)];
  return (
    `no roster file: looked for ${unique.join(', ')}; ` +
    'pass --roster-file FILE, or set roster_file in the Saltfile or master config'
  );
}

/** Config `cachedir` > the system dir when root and writable > `$XDG_CACHE_HOME/brine` or `~/.cache/brine`. */
async function chooseCachedir(input: ConfigInput, opts: MasterOptions): Promise<string> {
  const configured = nonEmpty(opts['cachedir']);
  if (configured !== undefined) return expandPath(configured, input);
  const system = input.systemCacheDir ?? DEFAULTS.systemCacheDir;
  if (input.isRoot && (await isWritableOrCreatable(system))) return system;
  const xdg = nonEmpty(input.env['XDG_CACHE_HOME']);
  return join(xdg ?? join(input.homeDir, '.cache'), DEFAULTS.userCacheDirName);
}

/** Reads the Saltfile, the config dir's master (+ master.d) and picks the roster file and cachedir. */
export async function loadConfig(input: ConfigInput): Promise<BrineConfig> {
  const saltfile = await readSaltfile(input);
  const sf = saltfile.values;
  const configDir = chooseConfigDir(input, sf);
  const master = await readMasterConfig(configDir);
  const merged = { ...DEFAULTS.masterOpts, ...master.opts, ...sf };
  // Resolved once here so every reader of keep_jobs_seconds sees what the deprecated keep_jobs asked for.
  const opts: MasterOptions = Object.freeze({ ...merged, keep_jobs_seconds: keepJobsSeconds(merged) });
  const roster = await chooseRosterFile(input, configDir, opts, sf, {
    ...(saltfile.file === undefined ? {} : { saltfile: saltfile.file }),
    ...(master.masterFile === undefined ? {} : { masterFile: master.masterFile }),
  });
  const config: BrineConfig = {
    configDir,
    opts,
    rosterFile: roster.file,
    rosterSource: roster.source,
    cachedir: await chooseCachedir(input, opts),
    saltfileValues: sf,
  };
  if (master.masterFile !== undefined) config.masterFile = master.masterFile;
  if (saltfile.file !== undefined) config.saltfile = saltfile.file;
  return config;
}
