import { fingerprintSha256, keyTypeOf, type KnownHosts } from './known-hosts.js';
import { TransportError, type HostKeyPolicy } from './types.js';

/** Where a connect stood when its time ran out; each stage has OpenSSH's own wording. */
export type ConnectStage = 'tcp' | 'banner' | 'auth';

/** undefined when the key is acceptable under the policy; otherwise why not. */
export function verifyHostKey(
  knownHosts: KnownHosts | undefined,
  mode: HostKeyPolicy['mode'],
  host: string,
  port: number,
  key: Buffer,
): TransportError | undefined {
  if (knownHosts === undefined || mode === 'none') return undefined;
  const keyType = keyTypeOf(key);
  const name = port === 22 ? host : `[${host}]:${port}`;
  const verdict = knownHosts.check(host, port, keyType, key);
  const shown = `${keyType} key ${fingerprintSha256(key)}`;
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'unknown':
      // -i accepts a new host like salt does, but unlike salt a changed key below is still refused.
      if (mode === 'ignore') return undefined;
      return new TransportError(
        'hostkey-unknown',
        `Host key for ${name} is not in ${knownHosts.file} (${shown}); add it or run with -i to accept it`,
      );
    case 'changed':
      return new TransportError(
        'hostkey-changed',
        `Host key for ${name} has changed to ${shown} (known_hosts ${knownHosts.file}:${verdict.line})`,
      );
    case 'revoked':
      return new TransportError(
        'hostkey-changed',
        `Host key for ${name} is revoked: ${shown} (known_hosts ${knownHosts.file}:${verdict.line})`,
      );
  }
}

export function timeoutError(host: string, port: number, stage: ConnectStage): TransportError {
  const message = {
    tcp: `ssh: connect to host ${host} port ${port}: Connection timed out`,
    // OpenSSH's two lines, kept as salt shows them in the host's stderr.
    banner: `Connection timed out during banner exchange\nConnection to ${host} port ${port} timed out`,
    auth: `Connection to ${host} port ${port} timed out during authentication`,
  }[stage];
  return new TransportError('timeout', message);
}

export function socketError(host: string, port: number, err: Error & { code?: string }): TransportError {
  const prefix = `ssh: connect to host ${host} port ${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TransportError('refused', `${prefix}: Connection refused`, { cause: err });
    case 'ETIMEDOUT':
      return new TransportError('timeout', `${prefix}: Connection timed out`, { cause: err });
    case 'EHOSTUNREACH':
      return new TransportError('other', `${prefix}: No route to host`, { cause: err });
    case 'ENETUNREACH':
      return new TransportError('other', `${prefix}: Network is unreachable`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportError('closed', `Connection reset by ${host} port ${port}`, { cause: err });
    default:
      return new TransportError('other', `${prefix}: ${err.message}`, { cause: err });
  }
}
