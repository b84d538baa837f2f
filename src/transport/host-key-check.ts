import type { KnownHostsStore, RecordOutcome } from './known-hosts-file.js';
import { fingerprintSha256, keyTypeLabel, keyTypeOf, type HostKeyStatus, type KnownHosts } from './known-hosts.js';
import { TransportError, type HostKeyPolicy } from './types.js';

export interface HostKeyCheck {
  policy: HostKeyPolicy;
  /** The policy's file as read when the transport first needed it; undefined with mode `none`. */
  knownHosts: KnownHosts | undefined;
  store: KnownHostsStore;
  host: string;
  port: number;
  key: Buffer;
  warn: ((line: string) => void) | undefined;
}

/**
 * undefined when the key is acceptable under the policy; otherwise why not. With `-i` an unknown host's
 * key is appended to known_hosts, as salt-ssh's ssh does, so later runs check it.
 */
export async function verifyHostKey(check: HostKeyCheck): Promise<TransportError | undefined> {
  const { policy, knownHosts, host, port, key } = check;
  if (knownHosts === undefined || policy.mode === 'none') return undefined;
  const verdict = knownHosts.check(host, port, keyTypeOf(key), key);
  if (verdict.status === 'unknown' && policy.mode === 'ignore') return recordKey(check);
  return hostKeyError(verdict, knownHosts.file, host, port, key);
}

async function recordKey({ store, knownHosts, host, port, key, warn }: HostKeyCheck): Promise<TransportError | undefined> {
  const file = knownHosts?.file ?? '';
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

function hostKeyError(verdict: HostKeyStatus, file: string, host: string, port: number, key: Buffer): TransportError | undefined {
  const name = displayName(host, port);
  const keyType = keyTypeOf(key);
  const shown = `${keyType} key ${fingerprintSha256(key)}`;
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'unknown':
      return new TransportError('hostkey-unknown', `Host key for ${name} is not in ${file} (${shown}); add it or run with -i to accept it`);
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
