import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { lexLine, matchPatternList, type SshDirective } from './ssh-config.js';
import { HONOURED_KEYWORDS, isInertValue, keywordInfo } from './ssh-keywords.js';

/** A value and the line or option it came from, for errors found later (token expansion). */
export interface Sourced<T> {
  value: T;
  where: string;
}

/** One `[user@]host[:port]` of a ProxyJump chain. */
export interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

/** How the TCP stream is made: ProxyJump and ProxyCommand compete, the first one given wins (`none` included). */
export type SshRoute =
  | { kind: 'none'; where: string }
  | { kind: 'jump'; hops: JumpSpec[]; where: string }
  | { kind: 'command'; command: string; where: string };

/** The honoured keywords, first value wins (IdentityFile accumulates), values checked. */
export interface SshSettings {
  hostName?: Sourced<string>;
  user?: string;
  port?: number;
  identityFiles: Sourced<string>[];
  identitiesOnly?: boolean;
  route?: SshRoute;
  connectTimeoutSec?: number;
  /** StrictHostKeyChecking; `ask` (OpenSSH's default) leaves the run's policy. */
  hostKeyMode?: 'strict' | 'ignore' | 'none' | 'ask';
  knownHostsFiles?: Sourced<string[]>;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  hostKeyAlias?: string;
}

type Setter = (s: SshSettings, d: SshDirective, arg: string) => void;

const SETTERS: Readonly<Record<string, Setter>> = {
  hostname: (s, d, arg) => (s.hostName ??= { value: arg, where: d.where }),
  user: (s, _d, arg) => (s.user ??= arg),
  port: (s, d, arg) => (s.port ??= integer(d, arg, 1, 65535)),
  identityfile: (s, d, arg) => s.identityFiles.push({ value: arg, where: d.where }),
  identitiesonly: (s, d, arg) => (s.identitiesOnly ??= yesNo(d, arg)),
  proxyjump: (s, d, arg) => (s.route ??= arg.toLowerCase() === 'none' ? { kind: 'none', where: d.where } : { kind: 'jump', hops: parseJumps(arg, d.where), where: d.where }),
  proxycommand: (s, d) => (s.route ??= d.rest.toLowerCase() === 'none' ? { kind: 'none', where: d.where } : { kind: 'command', command: d.rest, where: d.where }),
  connecttimeout: (s, d, arg) => (s.connectTimeoutSec ??= seconds(d, arg, 1)),
  stricthostkeychecking: (s, d, arg) => (s.hostKeyMode ??= hostKeyMode(d, arg)),
  userknownhostsfile: (s, d) => (s.knownHostsFiles ??= { value: d.args, where: d.where }),
  serveraliveinterval: (s, d, arg) => (s.serverAliveIntervalSec ??= seconds(d, arg, 0)),
  serveralivecountmax: (s, d, arg) => (s.serverAliveCountMax ??= integer(d, arg, 0, 1_000_000)),
  hostkeyalias: (s, _d, arg) => (s.hostKeyAlias ??= arg),
};

/** Applies directives in order, OpenSSH's way: the first value of each keyword wins; keywords brine does not honour are skipped. */
export function applyDirectives(directives: readonly SshDirective[]): SshSettings {
  const settings: SshSettings = { identityFiles: [] };
  for (const d of directives) {
    const set = Object.hasOwn(SETTERS, d.keyword) ? SETTERS[d.keyword] : undefined;
    if (set === undefined) continue;
    const arg = d.args[0];
    if (arg === undefined) throw new ConfigError(`${d.where}: ${name(d)} needs a value`);
    set(settings, d, arg);
  }
  return settings;
}

/**
 * Parses one `-o`-style option (`Key=Value` or `Key Value`) from `--ssh-option` or roster `ssh_options`.
 * Anything brine would not honour is an error, never ignored: a one-line ConfigError naming `where`.
 */
export function parseSshOption(text: string, where: string): SshDirective {
  const at = `${where} '${text}'`;
  const d = lexLine(text, at);
  if (d === undefined) throw new ConfigError(`${at}: empty option (expected Key=Value)`);
  if (d.args.length === 0) throw new ConfigError(`${at}: ${name(d)} needs a value (Key=Value)`);
  const info = keywordInfo(d.keyword);
  if (info === undefined || ['host', 'match', 'include'].includes(d.keyword)) {
    throw new ConfigError(`${at}: unknown ssh option '${d.keyword}' (brine honours: ${HONOURED_KEYWORDS.join(', ')})`);
  }
  if (info.kind === 'honoured') applyDirectives([d]);
  else if (!isInertValue(info, d.args)) {
    throw new ConfigError(`${at}: ${info.name} is not supported by brine (honoured: ${HONOURED_KEYWORDS.join(', ')})`);
  }
  return d;
}

/** A keyword ssh_config set that brine does not honour and that could matter: warn once per keyword. */
export interface IgnoredKeyword {
  keyword: string;
  message: string;
}

/** The unsupported and unknown keywords among a host's ssh_config lines (`IgnoreUnknown` silences unknown ones after it). */
export function ignoredKeywords(directives: readonly SshDirective[]): IgnoredKeyword[] {
  let ignoreUnknown: string | undefined;
  const out: IgnoredKeyword[] = [];
  for (const d of directives) {
    if (d.keyword === 'ignoreunknown') ignoreUnknown ??= d.args.join(',');
    const info = keywordInfo(d.keyword);
    if (info === undefined) {
      if (ignoreUnknown === undefined || !matchPatternList(d.keyword, ignoreUnknown, true)) {
        out.push({ keyword: d.keyword, message: `${d.where}: unknown ssh_config keyword '${d.keyword}' ignored` });
      }
    } else if (info.kind === 'unsupported' && !isInertValue(info, d.args)) {
      out.push({ keyword: d.keyword, message: `${d.where}: ${info.name} is not supported by brine and has no effect` });
    }
  }
  return out;
}

/** The values `%` tokens expand to; `k` only where a HostKeyAlias can apply. */
export type TokenValues = Readonly<Record<string, string>>;

/**
 * Expands `%x` tokens (only those in `allowed`), `%%`, `${VAR}` and a leading `~`, as OpenSSH does for
 * IdentityFile, UserKnownHostsFile and ProxyCommand. An unknown token is a ConfigError naming `where`.
 */
export function expandTokens(value: string, tokens: TokenValues, where: string, options: { homeDir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  let out = value.replace(/%(.?)/g, (_all, c: string) => {
    if (c === '%') return '%';
    const v = Object.hasOwn(tokens, c) ? tokens[c] : undefined;
    if (v === undefined) throw new ConfigError(`${where}: token '%${c}' is not supported here (known: ${Object.keys(tokens).map((k) => `%${k}`).join(' ')} %%)`);
    return v;
  });
  if (options.env !== undefined) {
    const env = options.env;
    out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, key: string) => {
      const v = env[key];
      if (v === undefined) throw new ConfigError(`${where}: environment variable '${key}' is not set`);
      return v;
    });
  }
  if (options.homeDir !== undefined && (out === '~' || out.startsWith('~/'))) out = join(options.homeDir, out.slice(1));
  return out;
}

/** `[ssh://][user@]host[:port]`, comma separated; IPv6 addresses in brackets. */
export function parseJumps(text: string, where: string): JumpSpec[] {
  return text.split(',').map((raw) => {
    const spec = raw.replace(/^ssh:\/\//i, '');
    const at = spec.lastIndexOf('@');
    const user = at >= 0 ? spec.slice(0, at) : undefined;
    const hostPort = spec.slice(at + 1);
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(hostPort);
    const host = m?.[1] ?? m?.[2];
    if (m === null || host === undefined || user === '') {
      throw new ConfigError(`${where}: ProxyJump '${raw}' is not [user@]host[:port]`);
    }
    const jump: JumpSpec = { host };
    if (user !== undefined) jump.user = user;
    if (m[3] !== undefined) jump.port = integer({ where, keyword: 'proxyjump' }, m[3], 1, 65535);
    return jump;
  });
}

function name(d: Pick<SshDirective, 'keyword'>): string {
  return keywordInfo(d.keyword)?.name ?? d.keyword;
}

function integer(d: Pick<SshDirective, 'keyword' | 'where'>, arg: string, min: number, max: number): number {
  const n = /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${d.where}: ${name(d)} must be an integer ${min}-${max} (got '${arg}')`);
  return n;
}

const YES = ['yes', 'true'];
const NO = ['no', 'false'];

function yesNo(d: SshDirective, arg: string): boolean {
  const v = arg.toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  throw new ConfigError(`${d.where}: ${name(d)} must be yes or no (got '${arg}')`);
}

function hostKeyMode(d: SshDirective, arg: string): NonNullable<SshSettings['hostKeyMode']> {
  const v = arg.toLowerCase();
  if (YES.includes(v)) return 'strict';
  if (NO.includes(v) || v === 'off') return 'none';
  if (v === 'accept-new') return 'ignore';
  if (v === 'ask') return 'ask';
  throw new ConfigError(`${d.where}: StrictHostKeyChecking must be yes, accept-new, no, off or ask (got '${arg}')`);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** OpenSSH's convtime: `90`, `1m30s`, `2h`. */
function seconds(d: SshDirective, arg: string, min: number): number {
  const parts = /^(?:\d+[smhdw]?)+$/i.test(arg) ? [...arg.toLowerCase().matchAll(/(\d+)([smhdw]?)/g)] : [];
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit ?? ''] ?? 1), 0);
  if (parts.length === 0 || total < min || total > DEFAULTS.maxTimeoutSec) {
    throw new ConfigError(`${d.where}: ${name(d)} must be ${min === 0 ? 'a' : 'a positive'} time in seconds up to ${DEFAULTS.maxTimeoutSec} (got '${arg}')`);
  }
  return total;
}
