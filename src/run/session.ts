import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import type { Logger } from '../core/log.js';
import { ConfigError } from '../errors.js';
import { loadConfig, missingRosterMessage, type BrineConfig } from '../config/load.js';
import { DEFAULTS } from '../config/defaults.js';
import { expandPath } from '../config/paths.js';
import { loadRoster } from '../roster/load.js';
import { buildTargetDefaults, type TargetFlags } from '../roster/resolve.js';
import { resolveHostTarget } from '../roster/ssh-target.js';
import { buildSshContext, type SshConfigFlags } from './ssh-context.js';
import type { Roster } from '../roster/load.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../transport/output-buffer.js';
import type { HostTarget } from '../transport/types.js';
import { localCacheFile, openLocalCache, type LocalJobCache } from '../jobcache/local-cache.js';
import { applyRetention, RUN_START_BATCH } from '../jobcache/retention.js';
import { masterJobCacheName, startForwarding, type Forwarding, type ReturnerFlags } from '../delivery/forwarding.js';
import { returnerRegistry } from '../returners/custom.js';
import type { ReturnerRegistry } from '../returners/registry.js';

export interface ConfigFlags {
  configDir?: string;
  saltfile?: string;
  rosterFile?: string;
}

export interface SessionFlags extends ConfigFlags, TargetFlags, ReturnerFlags, SshConfigFlags {}

export interface ProcessEnvIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stderr: NodeJS.WriteStream;
  log?: Logger;
}

/** The config and the local job cache, as both salt-ssh and salt-run need them. */
export interface CacheSession {
  config: BrineConfig;
  cache: LocalJobCache;
  /** The built-in returners plus the custom ones in returner_dirs / extension_modules (returners/custom.ts). */
  returners: ReturnerRegistry;
  close(): Promise<void>;
}

export async function openCacheSession(flags: ConfigFlags, io: ProcessEnvIo): Promise<CacheSession> {
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    homeDir: homedir(),
    isRoot: process.getuid?.() === 0,
    ...(flags.configDir === undefined ? {} : { configDir: flags.configDir }),
    ...(flags.saltfile === undefined ? {} : { saltfile: flags.saltfile }),
    ...(flags.rosterFile === undefined ? {} : { rosterFile: flags.rosterFile }),
  });
  const returners = await returnerRegistry(config.opts, config.cachedir, { cwd: io.cwd });
  const cacheFile = localCacheFile({ cachedir: config.cachedir });
  io.log?.debug(`config: dir ${config.configDir}, master ${config.masterFile ?? '(none)'}, Saltfile ${config.saltfile ?? '(none)'}`);
  io.log?.debug(`local job cache: ${cacheFile}`);
  const cache = openLocalCache(cacheFile);
  return { config, cache, returners, close: () => cache.close() };
}

/** Everything a salt-ssh run needs besides its arguments: config, roster, job cache, returners. */
export interface SshSession extends CacheSession {
  roster: Roster;
  /** False with `job_cache: False` and a master job cache: returns leave the local cache once delivered. */
  keepsLocalReturns: boolean;
  /** `ssh_max_procs`: the most hosts in flight under the adaptive fan-out (unset: DEFAULTS.sshMaxProcs). */
  maxProcs: number;
  /** `ssh_max_output_bytes`: output kept per host per stream. */
  maxOutputBytes: number;
  knownHostsFile: string;
  resolve(id: string): HostTarget;
  /** `warn` hears the returners' warnings, also those written while hosts run. */
  startForwarding(warn: (line: string) => void): Promise<Forwarding>;
}

export async function loadSession(flags: SessionFlags, io: ProcessEnvIo): Promise<SshSession> {
  const base = await openCacheSession(flags, io);
  const { config } = base;
  try {
    if (!(await exists(config.rosterFile))) throw new ConfigError(missingRosterMessage(config));
    const roster = await loadRoster(config.rosterFile);
    io.log?.debug(`roster: ${config.rosterFile} (${roster.size} ${roster.size === 1 ? 'entry' : 'entries'})`);
    const home = homedir();
    const defaults = buildTargetDefaults({
      opts: config.opts,
      flags: pickTargetFlags(flags),
      osUser: userInfo().username,
      homeDir: home,
      where: config.masterFile ?? config.configDir,
    });
    const ssh = buildSshContext(flags, config.opts, io, home);
    await applyRetention(base.cache, config.opts, new Date(), RUN_START_BATCH, (line) => io.stderr.write(`${line}\n`));
    const keepsLocalReturns = config.opts.job_cache !== false || masterJobCacheName(config.opts, base.returners) === undefined;
    if (keepsLocalReturns && config.opts.job_cache === false) {
      io.stderr.write('[WARNING ] job_cache: False ignored: no master_job_cache is set, so the local job cache is the only record\n');
    }
    const knownHosts = config.opts.ssh_known_hosts_file;
    return {
      ...base,
      roster,
      keepsLocalReturns,
      maxProcs: Number(config.opts.ssh_max_procs ?? DEFAULTS.sshMaxProcs),
      maxOutputBytes: Number(config.opts.ssh_max_output_bytes ?? DEFAULT_MAX_OUTPUT_BYTES),
      knownHostsFile: typeof knownHosts === 'string' ? expandPath(knownHosts, { cwd: io.cwd, homeDir: home }) : join(home, '.ssh', 'known_hosts'),
      resolve: (id) => resolveHostTarget(id, roster.get(id) ?? {}, defaults, ssh),
      startForwarding: (warn) => startForwarding(flags, config, base.cache, warn, base.returners),
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

function pickTargetFlags(flags: SessionFlags): TargetFlags {
  const picked: TargetFlags = {};
  if (flags.user !== undefined) picked.user = flags.user;
  if (flags.passwd !== undefined) picked.passwd = flags.passwd;
  if (flags.priv !== undefined) picked.priv = flags.priv;
  if (flags.privPasswd !== undefined) picked.privPasswd = flags.privPasswd;
  if (flags.sudo) picked.sudo = true;
  if (flags.identitiesOnly) picked.identitiesOnly = true;
  return picked;
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
