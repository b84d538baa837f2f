/**
 * A private PostgreSQL server with TLS for one test file: initdb into a temp dir (as the postgres user,
 * which initdb requires), a throw-away CA and a server certificate for DNS:localhost made with openssl,
 * listening on a free loopback port; stopped by its PID (SIGINT = fast shutdown) in afterAll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './hang-server.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface TlsPgServer {
  port: number;
  /** The CA that signed the server certificate, and one that did not. */
  caFile: string;
  otherCaFile: string;
  stop(): Promise<void>;
}

function ids(): { uid: number; gid: number } {
  const of = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: of('-u'), gid: of('-g') };
}

function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=brine test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
  }
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem');
}

export async function startTlsPgServer(): Promise<TlsPgServer> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-pgtls-'));
  const { uid, gid } = ids();
  makeCerts(dir);
  for (const name of [dir, ...readdirSync(dir).map((f) => join(dir, f))]) chownSync(name, uid, gid);
  chmodSync(join(dir, 'server.key'), 0o600);
  const data = join(dir, 'data');
  execFileSync(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { uid, gid, stdio: 'pipe' });
  const port = await freePort();
  const server: ChildProcess = spawn(
    `${BIN}/postgres`,
    ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', `unix_socket_directories=${dir}`, '-c', 'ssl=on',
      '-c', `ssl_cert_file=${join(dir, 'server.pem')}`, '-c', `ssl_key_file=${join(dir, 'server.key')}`, '-c', 'fsync=off'],
    { uid, gid, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`postgres did not start in 30 s: ${log}`)), 30_000);
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`postgres exited: ${log}`)));
  });
  return {
    port,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    async stop() {
      if (server.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
