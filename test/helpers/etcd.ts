/** A private etcd (v2 API enabled) for one test file: free loopback client and peer ports, a temp data dir, stopped by its PID. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './hang-server.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** PEM files of a throw-away CA, the server's certificate (IP 127.0.0.1) and a client certificate it signed. */
export interface EtcdTlsFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface TestEtcd {
  readonly port: number;
  /** Set when started with TLS: https with client-certificate authentication. */
  readonly tls?: EtcdTlsFiles;
  readonly server: ServerProcess;
  /** `http://127.0.0.1:<port>`, for reading the keys back with fetch as salt's readers would. */
  readonly url: string;
  /** Master options for the etcd returner on `port` (default: this server's) under `root`. */
  opts(root: string, extra?: Record<string, unknown>, port?: number): Record<string, unknown>;
  stop(): Promise<void>;
}

function makeTlsFiles(): EtcdTlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'brine-etcd-tls-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=brine test CA');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'root'}`);
    writeFileSync(f(`${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
    openssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${who}.pem`), '-days', '2', '-extfile', f(`${who}.ext`));
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

export async function startEtcd(options: { tls?: boolean } = {}): Promise<TestEtcd> {
  const [port, peer] = [await freePort(), await freePort()];
  const tls = options.tls ? makeTlsFiles() : undefined;
  const client = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const server = await startServerProcess({
    name: 'etcd',
    command: 'etcd',
    args: (dir) => [
      '--name', 't', '--data-dir', `${dir}/data`, '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `t=${peerUrl}`,
      '--enable-v2=true',
      ...(tls ? ['--cert-file', tls.serverCert, '--key-file', tls.serverKey, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : []),
    ],
    ready: (s) => s.waitForOutput(/ready to serve client requests/),
  });
  return {
    port,
    ...(tls ? { tls } : {}),
    server,
    url: client,
    opts: (root, extra = {}, viaPort = port) => ({ 'etcd.host': '127.0.0.1', 'etcd.port': viaPort, 'etcd.returner_root': root, ...extra }),
    stop: async () => {
      await server.stop();
      if (tls) rmSync(dirname(tls.ca), { recursive: true, force: true });
    },
  };
}
