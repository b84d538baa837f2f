import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The verdict for one host key, with the known_hosts line that decided a rejection. */
export type HostKeyStatus =
  | { status: 'match' }
  | { status: 'unknown' }
  | { status: 'changed'; line: number; keyType: string }
  | { status: 'revoked'; line: number };

/** A parsed OpenSSH known_hosts file (`~/.ssh/known_hosts` format). */
export interface KnownHosts {
  readonly file: string;
  /** Whether any entry is hashed (`|1|salt|hash`), so new entries are written hashed too, as ssh does with HashKnownHosts. */
  readonly isHashed: boolean;
  /** `host` is a name or address; `port` 22 is looked up as `host`, any other as `[host]:port`, as OpenSSH does. */
  check(host: string, port: number, keyType: string, key: Buffer): HostKeyStatus;
  /** Key types listed (not revoked) for the host, so the client can ask for one it can verify. */
  keyTypes(host: string, port: number): string[];
}

type HostMatcher = (hostString: string) => boolean;

interface Entry {
  line: number;
  marker: 'revoked' | undefined;
  keyType: string;
  key: Buffer;
  matches: HostMatcher;
}

/**
 * Parses known_hosts text; malformed lines are skipped, as ssh does. `@cert-authority` lines are ignored (no certificate support).
 * A host with any recorded key must present one of its recorded keys: a key of another type is `changed`, not `unknown`,
 * or a server that stopped offering its recorded key type would be accepted as new.
 */
export function parseKnownHosts(text: string, file: string): KnownHosts {
  // Plain, wildcard-free entries are indexed by name so 500 lookups don't rescan a large file.
  const byName = new Map<string, Entry[]>();
  const scanned: Entry[] = [];
  let isHashed = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: Entry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift();
      if (name !== '@revoked') continue;
      marker = 'revoked';
    }
    const [patterns, keyType, keyBase64] = fields;
    if (patterns === undefined || keyType === undefined || keyBase64 === undefined) continue;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) continue;
    if (patterns.startsWith('|1|')) isHashed = true;
    const names = plainNames(patterns);
    const entry: Entry = { line: i + 1, marker, keyType, key, matches: compileMatcher(patterns) };
    if (names === undefined) {
      scanned.push(entry);
      continue;
    }
    for (const name of names) {
      const list = byName.get(name);
      if (list) list.push(entry);
      else byName.set(name, [entry]);
    }
  }

  const entriesFor = (host: string, port: number): Entry[] => {
    const hostString = hostPattern(host, port);
    const candidates = [...(byName.get(hostString) ?? []), ...scanned.filter((e) => e.matches(hostString))];
    return candidates.sort((a, b) => a.line - b.line);
  };
  return {
    file,
    isHashed,
    keyTypes(host, port) {
      const types = entriesFor(host, port).filter((e) => e.marker === undefined).map((e) => e.keyType);
      return [...new Set(types)];
    },
    check(host, port, keyType, key) {
      const candidates = entriesFor(host, port);
      const revoked = candidates.find((e) => e.marker === 'revoked' && e.key.equals(key));
      if (revoked) return { status: 'revoked', line: revoked.line };
      const usable = candidates.filter((e) => e.marker === undefined);
      if (usable.some((e) => e.keyType === keyType && e.key.equals(key))) return { status: 'match' };
      // Point at a record of the presented type when there is one: that is the line to edit.
      const shown = usable.find((e) => e.keyType === keyType) ?? usable[0];
      return shown === undefined ? { status: 'unknown' } : { status: 'changed', line: shown.line, keyType: shown.keyType };
    },
  };
}

/** The name known_hosts records a host under: `host` on port 22, `[host]:port` otherwise, lower-cased as ssh does. */
export function hostPattern(host: string, port: number): string {
  return (port === 22 ? host : `[${host}]:${port}`).toLowerCase();
}

/** One known_hosts line (no newline) for a host key; hashed as `ssh-keygen -H` does when `isHashed`. */
export function knownHostsLine(host: string, port: number, key: Buffer, isHashed: boolean): string {
  const name = hostPattern(host, port);
  const pattern = isHashed ? hashHostName(name, randomBytes(20)) : name;
  return `${pattern} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, OpenSSH's HashKnownHosts format. */
export function hashHostName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** OpenSSH's short name for a key type, as in `Permanently added 'host' (ED25519)`. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (keyType.startsWith('sk-ecdsa-')) return 'ECDSA-SK';
  return keyType;
}

/** `SHA256:` + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -l` prints it. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

/** The lower-cased names of a pattern list with no wildcards, negation or hashing; undefined otherwise. */
function plainNames(patterns: string): string[] | undefined {
  if (/[*?!|]/.test(patterns)) return undefined;
  return patterns.toLowerCase().split(',').filter((p) => p !== '');
}

function compileMatcher(patterns: string): HostMatcher {
  if (patterns.startsWith('|1|')) return hashedMatcher(patterns);
  const positive: RegExp[] = [];
  const negative: RegExp[] = [];
  for (const raw of patterns.toLowerCase().split(',')) {
    if (raw === '') continue;
    if (raw.startsWith('!')) negative.push(globToRegExp(raw.slice(1)));
    else positive.push(globToRegExp(raw));
  }
  // OpenSSH: a matching negated pattern vetoes the whole line, whatever else matches.
  return (host) => !negative.some((re) => re.test(host)) && positive.some((re) => re.test(host));
}

/** `|1|salt|hmac`: HMAC-SHA1 keyed by the salt over `host` or `[host]:port` (`ssh-keygen -H`). */
function hashedMatcher(pattern: string): HostMatcher {
  const [, , saltBase64, hashBase64] = pattern.split('|');
  const salt = Buffer.from(saltBase64 ?? '', 'base64');
  const expected = Buffer.from(hashBase64 ?? '', 'base64');
  if (salt.length === 0 || expected.length !== 20) return () => false;
  return (host) => timingSafeEqual(createHmac('sha1', salt).update(host).digest(), expected);
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
