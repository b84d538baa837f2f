import type { HostTarget, Transport } from './types.js';

export { createSshTransport } from './ssh.js';
export { localTransport } from './local.js';

/** The transport a target asks for with its roster `connection` (salt-ssh's `ssh` or `local`). */
export function transportFor(target: HostTarget, transports: { ssh: Transport; local: Transport }): Transport {
  return target.connection === 'local' ? transports.local : transports.ssh;
}
