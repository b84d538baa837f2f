import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * OpenSSH client config (ssh_config(5)): lexing, `Host`/`Match` matching and `Include`, as readconf.c
 * does it. Pure: files come through a reader, so tests need no disk. What the keywords mean is
 * ssh-options.ts; this only decides which lines apply to a host, in order.
 */

/** One `Keyword args…` line (or one `-o Key=Value`). */
export interface SshDirective {
  /** Lower-cased keyword. */
  keyword: string;
  /** Arguments split as OpenSSH's argv_split does (quotes, backslash escapes, `#` ends the line). */
  args: string[];
  /** Everything after the keyword and its separator, unsplit (ProxyCommand takes it whole). */
  rest: string;
  /** `file:line`, or the flag/roster key the option came from: names it in errors. */
  where: string;
}

/** File access for the parser; sync because it runs once per run over a handful of small files. */
export interface SshConfigReader {
  /** The file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /** Names in a directory, or undefined when it cannot be listed. */
  listDir(path: string): string[] | undefined;
}

export interface SshConfigFile {
  path: string;
  /** User config (`~/.ssh/config`, `ssh_config_file`): relative Includes are under ~/.ssh, else /etc/ssh. */
  isUser: boolean;
}

/** What `Host` and `Match` lines compare against. */
export interface SshLookup {
  /** The name as given (roster `host`, else the id): `Host` and `Match originalhost` patterns. */
  host: string;
  /** HostName/User already fixed by a higher layer (`--ssh-option`, roster fields): `Match host`/`user` see them. */
  hostName?: string;
  user?: string;
  /** The user when nothing sets one (for `Match user`). */
  defaultUser: string;
  localUser: string;
}

/** OpenSSH's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

/** Splits one config line; undefined for blank and comment lines. */
export function lexLine(text: string, where: string): SshDirective | undefined {
  const line = text.replace(/[ \t\r\n]+$/, '').replace(/^[ \t]+/, '');
  if (line === '' || line.startsWith('#')) return undefined;
  const m = /^([^ \t=]+)[ \t]*(?:=[ \t]*)?/.exec(line);
  if (m === null) throw new ConfigError(`${where}: a line must start with a keyword`);
  const keyword = (m[1] ?? '').toLowerCase();
  const rest = line.slice(m[0].length);
  return { keyword, args: splitArgs(rest, where), rest, where };
}

/** OpenSSH's argv_split: whitespace-separated, "…" and '…' quote, `\` escapes quotes, `\` and spaces. */
export function splitArgs(text: string, where: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length || text[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < text.length; i++) {
      const c = text[i] ?? '';
      const next = text[i + 1] ?? '';
      if (c === '\\' && (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' '))) {
        arg += next;
        i++;
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        arg += c;
      }
    }
    if (quote !== '') throw new ConfigError(`${where}: unterminated quote`);
    args.push(arg);
  }
  return args;
}

/** match.c's match_pattern: `*` and `?` wildcards over the whole string (no regex: it runs per host per pattern). */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** match.c's match_pattern_list: comma list, any `!pattern` that matches makes the whole list false. */
export function matchPatternList(text: string, list: string, ignoreCase: boolean): boolean {
  const s = ignoreCase ? text.toLowerCase() : text;
  let isPositive = false;
  for (const raw of list.split(',')) {
    const isNegated = raw.startsWith('!');
    const pattern = ignoreCase ? raw.slice(isNegated ? 1 : 0).toLowerCase() : raw.slice(isNegated ? 1 : 0);
    if (matchPattern(s, pattern)) {
      if (isNegated) return false;
      isPositive = true;
    }
  }
  return isPositive;
}

/** A `Host` line: any pattern matches and no `!pattern` does (patterns are space-separated, case-insensitive). */
export function matchHostLine(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  let isMatch = false;
  for (const raw of patterns) {
    const isNegated = raw.startsWith('!');
    if (!matchPattern(h, raw.slice(isNegated ? 1 : 0).toLowerCase())) continue;
    if (isNegated) return false;
    isMatch = true;
  }
  return isMatch;
}

/** The parsed files of one run: each file is read and lexed once, whatever the number of hosts. */
export class SshConfig {
  private readonly parsed = new Map<string, SshDirective[] | undefined>();
  private readonly listings = new Map<string, string[] | undefined>();

  constructor(
    private readonly reader: SshConfigReader,
    private readonly files: readonly SshConfigFile[],
    private readonly homeDir: string,
  ) {}

  /** The directives that apply to `lookup`, in file order (first value wins is the caller's rule). */
  lookup(lookup: SshLookup): SshDirective[] {
    const state: EvalState = { lookup, out: [], hostName: lookup.hostName, user: lookup.user };
    for (const file of this.files) this.evaluate(file.path, file.isUser, true, 0, state);
    return state.out;
  }

  private lines(path: string): SshDirective[] | undefined {
    if (this.parsed.has(path)) return this.parsed.get(path);
    const text = this.reader.readFile(path);
    const lines = text === undefined ? undefined : lexFile(text, path);
    this.parsed.set(path, lines);
    return lines;
  }

  private evaluate(path: string, isUser: boolean, isActive: boolean, depth: number, state: EvalState): void {
    let active = isActive;
    for (const d of this.lines(path) ?? []) {
      if (d.keyword === 'host') {
        if (d.args.length === 0) throw new ConfigError(`${d.where}: Host needs at least one pattern`);
        active = matchHostLine(state.lookup.host, d.args);
      } else if (d.keyword === 'match') {
        active = evaluateMatch(d, state);
      } else if (d.keyword === 'include') {
        if (d.args.length === 0) throw new ConfigError(`${d.where}: Include needs a file name`);
        if (!active) continue;
        if (depth >= MAX_INCLUDE_DEPTH) throw new ConfigError(`${d.where}: Include nested more than ${MAX_INCLUDE_DEPTH} deep`);
        for (const pattern of d.args) {
          for (const file of this.expandInclude(pattern, isUser)) this.evaluate(file, isUser, active, depth + 1, state);
        }
      } else if (active) {
        if (d.keyword === 'hostname' && state.hostName === undefined) state.hostName = expandHostName(d.args[0] ?? '', state.lookup.host);
        if (d.keyword === 'user' && state.user === undefined) state.user = d.args[0];
        state.out.push(d);
      }
    }
  }

  /** `~` is the home dir; a relative path is under ~/.ssh (user config) or /etc/ssh; globs are sorted, no match is no file. */
  private expandInclude(pattern: string, isUser: boolean): string[] {
    let path = pattern;
    if (path === '~' || path.startsWith('~/')) path = join(this.homeDir, path.slice(1));
    else if (!path.startsWith('/')) path = join(isUser ? join(this.homeDir, '.ssh') : '/etc/ssh', path);
    return this.glob(path);
  }

  private glob(path: string): string[] {
    let found = ['/'];
    for (const segment of path.split('/').filter((s) => s !== '')) {
      const next: string[] = [];
      for (const dir of found) {
        if (!/[*?]/.test(segment)) {
          next.push(join(dir, segment));
          continue;
        }
        if (!this.listings.has(dir)) this.listings.set(dir, this.reader.listDir(dir));
        const names = (this.listings.get(dir) ?? []).filter((n) => (segment.startsWith('.') || !n.startsWith('.')) && matchPattern(n, segment));
        next.push(...names.sort().map((n) => join(dir, n)));
      }
      found = next;
    }
    return found.filter((file) => this.lines(file) !== undefined);
  }
}

interface EvalState {
  lookup: SshLookup;
  out: SshDirective[];
  hostName: string | undefined;
  user: string | undefined;
}

function lexFile(text: string, path: string): SshDirective[] {
  const out: SshDirective[] = [];
  text.split('\n').forEach((line, i) => {
    const d = lexLine(line, `${path}:${i + 1}`);
    if (d !== undefined) out.push(d);
  });
  return out;
}

/** HostName's only tokens are `%h` (the name as given) and `%%`. */
export function expandHostName(value: string, host: string): string {
  return value.replace(/%(.)/g, (all, c: string) => (c === 'h' ? host : c === '%' ? '%' : all));
}

const MATCH_SUPPORTED = 'all, host, originalhost, user, localuser';

/** readconf.c's match_cfg_line for the criteria brine supports; every criterion must hold, `!` negates one. */
function evaluateMatch(d: SshDirective, state: EvalState): boolean {
  if (d.args.length === 0) throw new ConfigError(`${d.where}: Match needs a criterion (${MATCH_SUPPORTED})`);
  const { lookup } = state;
  let result = true;
  for (let i = 0; i < d.args.length; i++) {
    const raw = d.args[i] ?? '';
    const isNegated = raw.startsWith('!');
    const criterion = raw.slice(isNegated ? 1 : 0).toLowerCase();
    if (criterion === 'all') {
      if (isNegated) result = false;
      continue;
    }
    const subjects: Record<string, (pattern: string) => boolean> = {
      host: (pattern) => matchPatternList(state.hostName ?? lookup.host, pattern, true),
      originalhost: (pattern) => matchPatternList(lookup.host, pattern, true),
      user: (pattern) => matchPatternList(state.user ?? lookup.defaultUser, pattern, false),
      localuser: (pattern) => matchPatternList(lookup.localUser, pattern, false),
    };
    const test = Object.hasOwn(subjects, criterion) ? subjects[criterion] : undefined;
    if (test === undefined) {
      throw new ConfigError(`${d.where}: Match criterion '${criterion}' is not supported by brine (supported: ${MATCH_SUPPORTED})`);
    }
    const pattern = d.args[i + 1];
    if (pattern === undefined) throw new ConfigError(`${d.where}: Match ${criterion} needs a pattern`);
    i++;
    if (test(pattern) === isNegated) result = false;
  }
  return result;
}
