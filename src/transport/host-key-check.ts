import { keyscanCommand } from './keyscan-hint.js';
import type { KnownHostsStore, RecordOutcome } from './known-hosts-file.js';
import { fingerprintSha256, keyTypeLabel, keyTypeOf, type HostKeyStatus, type KnownHosts } from './known-hosts.js';
import { TransportError, type HostKeyPolicy, type HostTarget } from './types.js';

export interface HostKeyCheck {
  mode: HostKeyPolicy['mode'];
  /** The host's known_hosts files as read when the transport first needed them (the first records `-i` keys); empty with mode `none`. */
  knownHosts: KnownHosts[];
  store: KnownHostsStore;
  /** The name the key is listed under (see hostKeyName). */
  host: string;
  port: number;
  key: Buffer;
  warn: ((line: string) => void) | undefined;
  /** `-l debug`: what the check decided, without the host's id (the caller adds it). */
  log?: ((line: string) => void) | undefined;
}

/** The run's policy with the host's own StrictHostKeyChecking and UserKnownHostsFile (ssh_config) applied. */
export function hostKeyPolicyFor(target: HostTarget, run: HostKeyPolicy): { mode: HostKeyPolicy['mode']; files: string[] } {
  const files = target.knownHostsFiles !== undefined && target.knownHostsFiles.length > 0 ? target.knownHostsFiles : [run.knownHostsFile];
  return { mode: target.hostKeyMode ?? run.mode, files };
}

/** Where known_hosts lists the host: a HostKeyAlias stands alone, without the port, as in OpenSSH. */
export function hostKeyName(target: HostTarget): { host: string; port: number } {
  return target.hostKeyAlias === undefined ? { host: target.host, port: target.port } : { host: target.hostKeyAlias, port: 22 };
}

/**
 * undefined when the key is acceptable under the policy; otherwise why not. With `-i` an unknown host's
 * key is appended to the first known_hosts file, as salt-ssh's ssh does, so later runs check it.
 */
export async function verifyHostKey(check: HostKeyCheck): Promise<TransportError | undefined> {
  const { mode, knownHosts, host, port, key } = check;
  const first = knownHosts[0];
  if (first === undefined || mode === 'none') {
    check.log?.(`host key ${keyTypeOf(key)} ${fingerprintSha256(key)} not checked (--no-host-keys)`);
    return undefined;
  }
  const verdicts = knownHosts.map((file) => ({ file: file.file, verdict: file.check(host, port, keyTypeOf(key), key) }));
  // As ssh reads several UserKnownHostsFiles: a revocation anywhere wins, then a match anywhere, then the first mismatch.
  const decisive =
    verdicts.find((v) => v.verdict.status === 'revoked') ??
    verdicts.find((v) => v.verdict.status === 'match') ??
    verdicts.find((v) => v.verdict.status === 'changed');
  const verdict = decisive?.verdict ?? { status: 'unknown' };
  check.log?.(`host key ${keyTypeOf(key)} ${fingerprintSha256(key)} ${VERDICT_WORDS[verdict.status]} ${decisive?.file ?? knownHosts.map((f) => f.file).join(', ')}`);
  if (decisive === undefined && mode === 'ignore') return recordKey(check, first.file);
  return hostKeyError(verdict, decisive?.file ?? first.file, host, port, key, first.isHashed);
}

const VERDICT_WORDS: Readonly<Record<HostKeyStatus['status'], string>> = Object.freeze({
  match: 'matches',
  unknown: 'is not in',
  changed: 'differs from the key recorded in',
  revoked: 'is revoked in',
});

async function recordKey({ store, host, port, key, warn }: HostKeyCheck, file: string): Promise<TransportError | undefined> {
  let outcome: RecordOutcome;
  try {
    outcome = await store.record(file, host, port, key);
  } catch (err) {
    // -i accepts the key either way; like ssh, failing to remember it is a warning, not the host's error.
    warn?.(`Warning: Failed to add the host to the list of known hosts (${file}): ${(err as Error).message}`);
    return undefined;
  }
  if (outcome.status !== 'added') return hostKeyError(outcome, file, host, port, key);
  warn?.(`Warning: Permanently added '${displayName(host, port)}' (${keyTypeLabel(keyTypeOf(key))}) to the list of known hosts.`);
  return undefined;
}

function hostKeyError(verdict: HostKeyStatus, file: string, host: string, port: number, key: Buffer, isHashed = false): TransportError | undefined {
  const name = displayName(host, port);
  const keyType = keyTypeOf(key);
  const shown = `${keyType} key ${fingerprintSha256(key)}`;
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'unknown':
      return new TransportError(
        'hostkey-unknown',
        `Host key for ${name} is not in ${file} (${shown}); run with -i to accept it, or check the fingerprint and add it: ${keyscanCommand(host, port, keyType, file, isHashed)}`,
      );
    case 'changed': {
      const recorded = verdict.keyType === keyType ? '' : ` records ${verdict.keyType}`;
      return new TransportError('hostkey-changed', `Host key for ${name} has changed to ${shown} (known_hosts ${file}:${verdict.line}${recorded})`);
    }
    case 'revoked':
      return new TransportError('hostkey-changed', `Host key for ${name} is revoked: ${shown} (known_hosts ${file}:${verdict.line})`);
  }
}

function displayName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}
