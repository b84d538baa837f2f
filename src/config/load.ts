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
  /** Chosen by the documented lookup order; it may not exist (loadRoster reports that). */
  rosterFile: string;
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

/** `--roster-file` > Saltfile > config > `<config_dir>/roster` > `./roster.yaml` > `/etc/salt/roster`. */
async function chooseRosterFile(input: ConfigInput, configDir: string, opts: MasterOptions, sf: Record<string, unknown>) {
  const named = nonEmpty(input.rosterFile) ?? nonEmpty(sf['roster_file']) ?? nonEmpty(opts['roster_file']);
  if (named !== undefined) return expandPath(named, input);
  for (const candidate of [join(configDir, 'roster'), join(input.cwd, DEFAULTS.localRosterFile)]) {
    if (await isFile(candidate)) return candidate;
  }
  return input.systemRosterFile ?? DEFAULTS.systemRosterFile;
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
  const config: BrineConfig = {
    configDir,
    opts,
    rosterFile: await chooseRosterFile(input, configDir, opts, sf),
    cachedir: await chooseCachedir(input, opts),
    saltfileValues: sf,
  };
  if (master.masterFile !== undefined) config.masterFile = master.masterFile;
  if (saltfile.file !== undefined) config.saltfile = saltfile.file;
  return config;
}
