import { createHash } from 'node:crypto';
import type { AnyAuthMethod } from 'ssh2';
import type { Logger } from '../core/log.js';
import type { HostTarget } from './types.js';

/** Key files by parsed key, per transport: how `-l debug` names the key a login used. */
export type KeyFileNames = WeakMap<object, string>;

/** One connection's `-l debug` lines (connect, host key, auth) and, at trace, ssh2's own debug lines. */
export interface ConnectTrace {
  connecting(): void;
  trying(method: AnyAuthMethod): void;
  authenticated(): void;
  failed(message: string): void;
  /** For the host-key check: one line on what it decided. */
  hostKey: ((line: string) => void) | undefined;
  /** ssh2's `debug` option, set only at trace so ssh2 builds no lines otherwise. */
  ssh2Options: { debug?: (line: string) => void };
}

export function connectTrace(target: HostTarget, log: Logger | undefined, keyFiles: KeyFileNames): ConnectTrace {
  const debug = log?.isEnabled('debug') === true ? (line: string) => log.debug(`${target.id}: ${line}`) : undefined;
  const trace = log?.isEnabled('trace') === true ? (line: string) => log.trace(`${target.id}: ssh2: ${line}`) : undefined;
  let current: string | undefined;
  return {
    connecting: () => debug?.(`connecting to ${target.host}:${target.port} as ${target.user} (timeout ${target.connectTimeoutSec} s)`),
    trying(method) {
      if (debug === undefined) return;
      current = describeMethod(method, keyFiles);
      debug(`trying ${current}`);
    },
    authenticated: () => debug?.(`authenticated as ${target.user} with ${current ?? 'none'}`),
    failed: (message) => debug?.(`connect failed: ${message}`),
    hostKey: debug,
    ssh2Options: trace === undefined ? {} : { debug: trace },
  };
}

/** The method in ssh's words; a key by its file and public fingerprint, never its private part, a password never. */
function describeMethod(method: AnyAuthMethod, keyFiles: KeyFileNames): string {
  if (method.type === 'publickey' && typeof method.key === 'object' && method.key !== null) {
    const key = method.key as unknown as { type?: string; getPublicSSH?: () => Buffer };
    const file = keyFiles.get(method.key);
    const fingerprint = key.getPublicSSH === undefined ? '' : ` SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
    return `publickey (key ${file ?? 'in memory'}, ${key.type ?? 'unknown type'}${fingerprint})`;
  }
  if (method.type === 'agent') return 'publickey (ssh-agent)';
  return method.type;
}
