/**
 * The adaptive fan-out's labs over one real sshd: `loopback` (every host is the sshd's own port) and
 * `latency` (hosts spread over the ports of a latency proxy, one port per host group, one-way delay D
 * each way, the banner after 2 round trips; test/helpers/latency-proxy.ts). Each lab writes the
 * files the three tools need to reach its N hosts: a brine config dir and roster, and an ssh_config
 * with one `Host labN` block per host for parallel-ssh and clush (both run OpenSSH's ssh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLatencyProxy, type LatencyProxy } from '../test/helpers/latency-proxy.js';
import type { SshdHarness } from '../test/helpers/sshd.js';

export const CLUSH = '/usr/bin/clush';
export const PSSH = '/usr/bin/parallel-ssh';

export interface Lab {
  name: string;
  hosts: number;
  /** brine: `-c configDir --roster-file roster`. */
  configDir: string;
  roster: string;
  /** OpenSSH client config naming lab1..labN. */
  sshConfig: string;
  /** The host names, one a line, for `parallel-ssh -h`. */
  hostsFile: string;
  /** `lab[1-N]` for clush -w. */
  nodeSet: string;
  close(): Promise<void>;
}

export interface LabSpec {
  name: 'loopback' | 'latency';
  hosts: number;
  /** Round trip of the latency lab, ms. */
  rttMs: number;
  groups: number;
}

export async function startLab(sshd: SshdHarness, spec: LabSpec): Promise<Lab> {
  const proxy: LatencyProxy | undefined =
    spec.name === 'latency' ? await startLatencyProxy({ targetPort: sshd.port, oneWayDelayMs: spec.rttMs / 2, groups: spec.groups }) : undefined;
  const ports = proxy?.ports ?? [sshd.port];
  const dir = join(sshd.dir, `lab-${spec.name}-${spec.hosts}`);
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, ports.map((port) => `[127.0.0.1]:${port} ${sshd.hostPublicKey}\n`).join(''));
  const ids = Array.from({ length: spec.hosts }, (_, i) => `lab${i + 1}`);
  const portOf = (i: number) => ports[i % ports.length] as number;
  const roster = join(dir, 'roster');
  writeFileSync(
    roster,
    stringify(Object.fromEntries(ids.map((id, i) => [id, { host: '127.0.0.1', port: portOf(i), user: sshd.user, priv: sshd.clientKey }])), { version: '1.1' }),
  );
  writeFileSync(join(dir, 'master'), stringify({ cachedir: join(dir, 'cache'), ssh_known_hosts_file: knownHosts }, { version: '1.1' }));
  const sshConfig = join(dir, 'ssh_config');
  const block = (id: string, i: number) =>
    [`Host ${id}`, '  HostName 127.0.0.1', `  Port ${portOf(i)}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.clientKey}`].join('\n');
  const common = ['Host *', '  IdentitiesOnly yes', '  BatchMode yes', '  StrictHostKeyChecking yes', `  UserKnownHostsFile ${knownHosts}`, '  LogLevel ERROR'];
  writeFileSync(sshConfig, `${ids.map(block).join('\n')}\n${common.join('\n')}\n`);
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `${ids.join('\n')}\n`);
  return {
    name: spec.name === 'latency' ? `latency lab (${spec.rttMs} ms RTT, ${ports.length} ports)` : 'loopback lab',
    hosts: spec.hosts,
    configDir: dir,
    roster,
    sshConfig,
    hostsFile,
    nodeSet: `lab[1-${spec.hosts}]`,
    close: async () => {
      await proxy?.close();
    },
  };
}

/** Installs Debian's clustershell and pssh (as root, through apt) when missing; says what it could not. */
export function ensureLabTools(log: (line: string) => void): { clush: boolean; pssh: boolean } {
  const missing = [
    ...(existsSync(CLUSH) ? [] : ['clustershell']),
    ...(existsSync(PSSH) ? [] : ['pssh']),
  ];
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) log(`adaptive: not root: cannot install ${missing.join(', ')} (apt-get install ${missing.join(' ')})`);
    else {
      log(`adaptive: installing ${missing.join(', ')} with apt-get`);
      try {
        execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      } catch (err) {
        log(`adaptive: apt-get install ${missing.join(' ')} failed: ${(err as Error).message}`);
      }
    }
  }
  return { clush: existsSync(CLUSH), pssh: existsSync(PSSH) };
}
