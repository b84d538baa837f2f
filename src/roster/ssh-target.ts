import { ConfigError } from '../errors.js';
import type { RosterEntry } from '../config/roster-entry.js';
import { expandHostName, type SshConfig, type SshDirective } from '../config/ssh-config.js';
import { applyDirectives, expandTokens, ignoredKeywords, parseSshOption, type JumpSpec, type SshRoute, type SshSettings } from '../config/ssh-options.js';
import type { HostTarget } from '../transport/types.js';
import { keyPath, nonEmpty, resolveTarget, type TargetDefaults } from './resolve.js';

/**
 * Applies OpenSSH client config to SSH targets. Precedence, first wins: `--ssh-option` > roster fields
 * (entry and roster_defaults) > roster `ssh_options` > the CLI's `--user`/`--priv`/`--identities-only` >
 * ssh_config > the config's ssh_* keys. The roster `host` (else the id) is what `Host` patterns see.
 */

/** A longer chain is a loop between hosts' ProxyJump lines (OpenSSH would recurse until it runs out of processes). */
const MAX_JUMP_HOPS = 16;

export interface SshContextInput {
  /** Reads ssh_config; called at most once per run, on the first SSH host (undefined: no config, `ssh_config_file: none`). */
  loadConfig: () => SshConfig | undefined;
  /** `--ssh-option` values, already checked by parseSshOption. */
  cliOptions: readonly SshDirective[];
  /** `-i`/`--no-host-keys` given: it beats StrictHostKeyChecking from ssh_options and ssh_config (not `--ssh-option`). */
  hasHostKeyFlag: boolean;
  /** For `%u %i %l %L` tokens, `${VAR}` and `Match localuser`. */
  local: { user: string; uid: string; hostName: string; env: NodeJS.ProcessEnv };
  /** Gets one line per ignored ssh_config keyword per run. */
  warn: (line: string) => void;
}

/** Per-run state: the parsed config and the keywords already warned about. */
export interface SshContext extends SshContextInput {
  config(): SshConfig | undefined;
  warnOnce(keyword: string, line: string): void;
}

export function createSshContext(input: SshContextInput): SshContext {
  let loaded: { config: SshConfig | undefined } | undefined;
  const warned = new Set<string>();
  return {
    ...input,
    config: () => (loaded ??= { config: input.loadConfig() }).config,
    warnOnce: (keyword, line) => {
      if (warned.has(keyword)) return;
      warned.add(keyword);
      input.warn(line);
    },
  };
}

/** resolveTarget, then, for SSH hosts, ssh_config, `ssh_options` and `--ssh-option`; local hosts never read ssh_config. */
export function resolveHostTarget(id: string, entry: RosterEntry, defaults: TargetDefaults, ctx: SshContext): HostTarget {
  const base = resolveTarget(id, entry, defaults);
  if (base.connection === 'local') return base;
  const e: RosterEntry = { ...defaults.rosterDefaults, ...entry };
  const rosterOptions = (e.ssh_options ?? []).map((o) => parseSshOption(o, `roster host '${id}': ssh_options`));
  const fields: RosterFields = { user: nonEmpty(e.user), port: e.port, connectTimeoutSec: e.timeout, identitiesOnly: e.identities_only, priv: e.priv };
  const layers = { hostArg: base.host, above: applyDirectives(ctx.cliOptions), fields, below: applyDirectives(rosterOptions) };
  const { target, route } = resolveSsh(base, layers, defaults, ctx);
  return attachRoute(target, route, base.host, defaults, ctx);
}

interface RosterFields {
  user?: string | undefined;
  port?: number | undefined;
  connectTimeoutSec?: number | undefined;
  identitiesOnly?: boolean | undefined;
  priv?: string | undefined;
}

interface Layers {
  /** The name `Host` patterns match. */
  hostArg: string;
  /** `--ssh-option`. */
  above: SshSettings;
  fields: RosterFields;
  /** Roster `ssh_options`. */
  below: SshSettings;
}

const NO_SETTINGS: SshSettings = { identityFiles: [] };

function resolveSsh(base: HostTarget, l: Layers, defaults: TargetDefaults, ctx: SshContext): { target: HostTarget; route: SshRoute | undefined } {
  const { above, fields, below, hostArg } = l;
  const flags = defaults.fromFlags;
  const presetHostName = above.hostName ?? below.hostName;
  const presetUser = above.user ?? fields.user ?? below.user ?? nonEmpty(flags.user);
  const directives = ctx.config()?.lookup({
    host: hostArg,
    ...(presetHostName === undefined ? {} : { hostName: expandHostName(presetHostName.value, hostArg) }),
    ...(presetUser === undefined ? {} : { user: presetUser }),
    defaultUser: defaults.user,
    localUser: ctx.local.user,
  }) ?? [];
  for (const ignored of ignoredKeywords(directives)) ctx.warnOnce(ignored.keyword, `[WARNING ] ${ignored.message}`);
  const cfg = applyDirectives(directives);

  const hostName = presetHostName ?? cfg.hostName;
  const t: HostTarget = {
    ...base,
    host: hostName === undefined ? hostArg : expandHostName(hostName.value, hostArg),
    user: presetUser ?? cfg.user ?? defaults.user,
    port: above.port ?? fields.port ?? below.port ?? cfg.port ?? defaults.port,
    connectTimeoutSec: above.connectTimeoutSec ?? fields.connectTimeoutSec ?? below.connectTimeoutSec ?? cfg.connectTimeoutSec ?? defaults.connectTimeoutSec,
    identitiesOnly: above.identitiesOnly ?? fields.identitiesOnly ?? below.identitiesOnly ?? flags.identitiesOnly ?? cfg.identitiesOnly ?? defaults.identitiesOnly,
  };
  const hostKeyAlias = above.hostKeyAlias ?? below.hostKeyAlias ?? cfg.hostKeyAlias;
  const { local } = ctx;
  const tokens = {
    d: defaults.homeDir, h: t.host, i: local.uid, k: hostKeyAlias ?? hostArg, L: local.hostName.split('.')[0] ?? '',
    l: local.hostName, n: hostArg, p: String(t.port), r: t.user, u: local.user,
  };
  const expand = (s: { value: string; where: string }) => expandTokens(s.value, tokens, s.where, { homeDir: defaults.homeDir, env: local.env });
  const identityFiles = [...above.identityFiles, ...below.identityFiles, ...cfg.identityFiles].map(expand);
  // An IdentityFile from any layer replaces the config's ssh_priv, as ssh_config outranks the ssh_* keys.
  const priv = keyPath(fields.priv ?? flags.priv ?? (identityFiles.length === 0 ? defaults.priv : undefined), defaults.homeDir);
  delete t.priv;
  if (priv !== undefined) t.priv = priv;
  const keys = identityFiles.filter((f, i) => f !== priv && identityFiles.indexOf(f) === i);
  if (keys.length > 0) t.identityFiles = keys;

  const hostKeyMode = above.hostKeyMode ?? (ctx.hasHostKeyFlag ? undefined : below.hostKeyMode ?? cfg.hostKeyMode);
  if (hostKeyMode !== undefined && hostKeyMode !== 'ask') t.hostKeyMode = hostKeyMode;
  const known = above.knownHostsFiles ?? below.knownHostsFiles ?? cfg.knownHostsFiles;
  if (known !== undefined) {
    t.knownHostsFiles = known.value.map((f) => (f.toLowerCase() === 'none' ? '/dev/null' : expand({ value: f, where: known.where })));
  }
  const aliveInterval = above.serverAliveIntervalSec ?? below.serverAliveIntervalSec ?? cfg.serverAliveIntervalSec;
  const aliveCount = above.serverAliveCountMax ?? below.serverAliveCountMax ?? cfg.serverAliveCountMax;
  if (aliveInterval !== undefined && aliveInterval > 0) t.serverAliveIntervalSec = aliveInterval;
  if (aliveCount !== undefined) t.serverAliveCountMax = aliveCount;
  if (hostKeyAlias !== undefined) t.hostKeyAlias = hostKeyAlias;
  return { target: t, route: above.route ?? below.route ?? cfg.route };
}

function attachRoute(target: HostTarget, route: SshRoute | undefined, hostArg: string, defaults: TargetDefaults, ctx: SshContext): HostTarget {
  if (route?.kind === 'command') {
    const tokens = { h: target.host, n: hostArg, p: String(target.port), r: target.user };
    target.proxyCommand = expandTokens(route.command, tokens, route.where);
  } else if (route?.kind === 'jump') {
    target.jumpHosts = flattenJumps(route, defaults, ctx, 0);
  }
  return target;
}

/**
 * OpenSSH runs `ProxyJump a,b` as `ssh -J a b`: b's own ProxyJump is overridden by `a`, and only the
 * first hop's ProxyJump (from its own ssh_config lookup) is followed, so it is flattened in front.
 */
function flattenJumps(route: Extract<SshRoute, { kind: 'jump' }>, defaults: TargetDefaults, ctx: SshContext, count: number): HostTarget[] {
  const total = count + route.hops.length;
  if (total > MAX_JUMP_HOPS) {
    throw new ConfigError(`${route.where}: ProxyJump chain longer than ${MAX_JUMP_HOPS} hops (do jump hosts' ProxyJump lines loop?)`);
  }
  const out: HostTarget[] = [];
  route.hops.forEach((spec, i) => {
    const hop = resolveHop(spec, defaults, ctx);
    if (i === 0 && hop.route?.kind === 'jump') out.push(...flattenJumps(hop.route, defaults, ctx, total));
    if (i === 0 && hop.route?.kind === 'command') {
      throw new ConfigError(`${hop.route.where}: ProxyCommand for jump host '${spec.host}' is not supported by brine (use ProxyJump)`);
    }
    out.push(hop.target);
  });
  return out;
}

/** A hop gets user/port from the ProxyJump spec, then its own ssh_config lookup, then the ssh_* defaults; never the target's roster fields or options (as ssh -o does not reach -J hops). */
function resolveHop(spec: JumpSpec, defaults: TargetDefaults, ctx: SshContext) {
  const base: HostTarget = {
    id: spec.host,
    host: spec.host,
    port: defaults.port,
    user: defaults.user,
    sudo: false,
    tty: false,
    connectTimeoutSec: defaults.connectTimeoutSec,
    identitiesOnly: defaults.identitiesOnly,
    connection: 'ssh',
  };
  if (defaults.passwd !== undefined) base.passwd = defaults.passwd;
  if (defaults.privPasswd !== undefined) base.privPasswd = defaults.privPasswd;
  const fields: RosterFields = { user: spec.user, port: spec.port };
  return resolveSsh(base, { hostArg: spec.host, above: NO_SETTINGS, fields, below: NO_SETTINGS }, defaults, ctx);
}
