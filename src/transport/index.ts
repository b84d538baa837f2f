import type { HostTarget, Transport } from './types.js';

export { localTransport } from './local.js';

/** The transport a target asks for with its roster `connection` (salt-ssh's `ssh` or `local`). */
export function transportFor(target: HostTarget, transports: { ssh: Transport; local: Transport }): Transport {
  return target.connection === 'local' ? transports.local : transports.ssh;
}

/** The SSH transport, loading ssh2 only when a host needs it, so local-only runs start faster. */
export function lazySshTransport(): Transport {
  let transport: Promise<Transport> | undefined;
  return {
    async connect(target, options) {
      transport ??= import('./ssh.js').then((module) => module.createSshTransport());
      return (await transport).connect(target, options);
    },
  };
}
