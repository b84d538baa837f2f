/** Roster `connection` names mapped to lazy imports, so a run loads ssh2 only when a host needs SSH. */
import { clip } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import type { Transport } from './types.js';

export type TransportLoader = () => Promise<Transport>;

const TRANSPORTS: Readonly<Record<string, TransportLoader>> = Object.freeze({
  local: () => import('./local.js').then((module) => module.localTransport),
  ssh: () => import('./ssh.js').then((module) => module.createSshTransport()),
});

/** The connection names a roster entry may use, sorted. */
export function listTransports(): string[] {
  return Object.keys(TRANSPORTS).sort();
}

/** A new transport for `name`; an unknown name is a config error that lists the valid ones. */
export async function loadTransport(name: string, loaders: Readonly<Record<string, TransportLoader>> = TRANSPORTS): Promise<Transport> {
  const load = Object.hasOwn(loaders, name) ? loaders[name] : undefined;
  if (load === undefined) {
    throw new ConfigError(`connection: unknown transport '${clip(name)}' (valid: ${Object.keys(loaders).sort().join(', ')})`);
  }
  return load();
}

/** The transports of one run, by connection name: each is loaded once, on its first connect. */
export interface TransportSet {
  get(name: string): Transport;
}

/**
 * `loaders` replaces the registry (a test's fake transport); a name's failure to load, unknown names
 * included, becomes the connect error of each host that asks for it, so it is that host's return.
 */
export function createTransports(loaders: Readonly<Record<string, TransportLoader>> = TRANSPORTS): TransportSet {
  const loaded = new Map<string, Promise<Transport>>();
  return {
    get(name) {
      return {
        async connect(target, options) {
          let transport = loaded.get(name);
          if (transport === undefined) {
            transport = loadTransport(name, loaders);
            loaded.set(name, transport);
          }
          return (await transport).connect(target, options);
        },
      };
    },
  };
}
