import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createTransports, listTransports, loadTransport } from '../../../src/transport/registry.js';
import { localTransport } from '../../../src/transport/local.js';
import type { HostTarget, Transport } from '../../../src/transport/types.js';

const base = { id: 'a', host: 'h', port: 22, user: 'u', sudo: false, tty: false, connectTimeoutSec: 1, identitiesOnly: false };
const noHostKeys = { hostKeys: { mode: 'none' as const, knownHostsFile: '/nonexistent' } };

describe('transport registry', () => {
  it('maps salt-ssh connection names to transports', async () => {
    expect(listTransports()).toEqual(['local', 'ssh']);
    expect(await loadTransport('local')).toBe(localTransport);
    expect(typeof (await loadTransport('ssh')).connect).toBe('function');
  });

  it('refuses an unknown name with a config error listing the valid ones', async () => {
    const err: unknown = await loadTransport('telnet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe("connection: unknown transport 'telnet' (valid: local, ssh)");
  });

  it('picks the transport named by the target connection, loading each once and ssh only when a host needs it', async () => {
    const loads: string[] = [];
    const connected: string[] = [];
    const fake = (name: string): Transport => ({
      connect(target: HostTarget) {
        connected.push(`${name}:${target.id}`);
        return Promise.resolve({ exec: () => Promise.reject(new Error('unused')), close() {} });
      },
    });
    const transports = createTransports({
      local: () => (loads.push('local'), Promise.resolve(fake('local'))),
      ssh: () => (loads.push('ssh'), Promise.resolve(fake('ssh'))),
    });
    await transports.get('local').connect({ ...base, id: 'l1', connection: 'local' }, noHostKeys);
    await transports.get('local').connect({ ...base, id: 'l2', connection: 'local' }, noHostKeys);
    expect(loads).toEqual(['local']);
    await transports.get('ssh').connect({ ...base, id: 's1', connection: 'ssh' }, noHostKeys);
    expect(loads).toEqual(['local', 'ssh']);
    expect(connected).toEqual(['local:l1', 'local:l2', 'ssh:s1']);
  });
});
