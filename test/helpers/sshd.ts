/**
 * A real OpenSSH sshd on 127.0.0.1 for tests and benchmarks.
 *
 *   const sshd = await startSshd();            // or startSshd({ sudo: 'nopasswd' })
 *   afterAll(() => sshd.stop());
 *   const roster = sshd.writeRoster(['web1', 'web2']);
 *   const target = sshd.target({ id: 'web1' }); // a HostTarget for the transport
 *
 * What it sets up, all inside one temp dir (removed by stop()):
 * - an ed25519 host key (RSA with `hostKeyType: 'rsa'`); `knownHostsLine()` / `writeKnownHosts()` /
 *   `hostKeyFingerprint` describe it; `swapHostKey()` gives the running sshd a new one (SIGHUP, same port);
 * - two client keys, both in `<dir>/authorized_keys`: `clientKey` (no passphrase) and
 *   `encryptedClientKey` (passphrase `passphrase`);
 * - sshd on a free high port, password and publickey auth, keyboard-interactive off, `MaxStartups 2000`;
 * - a login user: as root (CI), a throwaway system user `brt` + 6 hex chars with home `<dir>/home`,
 *   shell /bin/sh and a random `password`; otherwise the current user (then `password` is undefined).
 * - `sudo: 'password'` writes /etc/sudoers.d/<user> granting `ALL=(ALL) ALL` (sudo asks for `password`),
 *   `sudo: 'nopasswd'` grants `NOPASSWD: ALL`; both with the first-use lecture turned off. Root only.
 * - `netns: name` runs sshd inside that network namespace (test/helpers/netns.ts), on the namespace's own
 *   127.0.0.1, so only a bridge or another sshd in it reaches it; `port` fixes the port (default: one free here).
 * stop() kills the sshd it spawned (by PID), removes the user, the sudoers file and the temp dir; safe twice.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { HostTarget } from '../../src/transport/types.js';
import { freePort } from './hang-server.js';

export { startHangServer, closedPort, freePort, type HangServer } from './hang-server.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const START_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 400;

export interface SshdOptions {
  /** Grant the login user sudo, with (`password`) or without (`nopasswd`) a password. Needs root. */
  sudo?: 'password' | 'nopasswd';
  /** Also serve an ecdsa-sha2-nistp256 host key (for host-key algorithm negotiation tests). */
  ecdsaHostKey?: boolean;
  /** The type of the main host key; default ed25519. */
  hostKeyType?: HostKeyType;
  /** Run sshd inside this network namespace (`ip netns exec`); root only. */
  netns?: string;
  /** Listen on this port instead of a free one. */
  port?: number;
  /** Also read the login user's own `~/.ssh/authorized_keys` (e.g. for `--key-deploy`). */
  homeAuthorizedKeys?: boolean;
}

export type HostKeyType = 'ed25519' | 'rsa';

export interface SshdHarness {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The temp dir holding keys, config, rosters and the user's home. */
  readonly dir: string;
  readonly user: string;
  /** The login user's password; undefined when not running as root (the current user's is unknown). */
  readonly password: string | undefined;
  /** Unencrypted ed25519 client key (authorized). */
  readonly clientKey: string;
  /** Passphrase-protected ed25519 client key (authorized). */
  readonly encryptedClientKey: string;
  readonly passphrase: string;
  /** `ssh-ed25519 AAAA...` (or `ssh-rsa AAAA...`) of the current host key. */
  readonly hostPublicKey: string;
  /** `ecdsa-sha2-nistp256 AAAA...` when started with `ecdsaHostKey`. */
  readonly ecdsaHostPublicKey: string | undefined;
  /** `SHA256:...` of the current host key, from `ssh-keygen -l`. */
  readonly hostKeyFingerprint: string;
  /** Replaces the main host key with a new one of `type` (default ed25519) and waits until sshd serves it. */
  swapHostKey(type?: HostKeyType): Promise<void>;
  /** A HostTarget for this sshd: the login user with `clientKey`, 10 s connect timeout; fields overridable. */
  target(overrides?: Partial<HostTarget>): HostTarget;
  /** Writes a salt flat roster (ids, or N → node1..nodeN) pointing at this sshd; returns its path. */
  writeRoster(ids: string[] | number, extra?: Record<string, unknown>): string;
  /** The known_hosts line for the host key, `[127.0.0.1]:PORT ssh-ed25519 AAAA...`; hashed by `ssh-keygen -H`. */
  knownHostsLine(options?: { hashed?: boolean }): string;
  /** Writes a known_hosts file (given text, or the host key's line) into the temp dir; returns its path. */
  writeKnownHosts(content?: string | { hashed?: boolean }, name?: string): string;
  /** The last lines sshd logged (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-sshd-'));
  // The login user must reach authorized_keys and its home through this dir.
  chmodSync(dir, 0o755);
  const isRoot = process.getuid?.() === 0;
  const user = isRoot ? `brt${randomBytes(3).toString('hex')}` : userInfo().username;
  const password = isRoot ? randomBytes(12).toString('base64url') : undefined;
  const passphrase = randomBytes(9).toString('base64url');
  const sudoersFile = join('/etc/sudoers.d', user);
  const logLines: string[] = [];
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  let userCreated = false;

  const stop = () => {
    stopping ??= (async () => {
      if (child) await killChild(child);
      if (options.sudo) rmSync(sudoersFile, { force: true });
      if (userCreated) await run('userdel', ['-f', '-r', user]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const hostKey = join(dir, `host_${options.hostKeyType ?? 'ed25519'}`);
    const clientKey = join(dir, 'id_ed25519');
    const encryptedClientKey = join(dir, 'id_ed25519_enc');
    await Promise.all([
      generateHostKey(hostKey, options.hostKeyType ?? 'ed25519'),
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'brine-client', '-f', clientKey]),
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'brine-enc', '-f', encryptedClientKey]),
      ...(options.ecdsaHostKey ? [run('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-f', `${hostKey}_ecdsa`])] : []),
    ]);
    const hostKeysWith = (main: string) => (options.ecdsaHostKey ? [main, `${hostKey}_ecdsa`] : [main]);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`, 'utf8') + readFileSync(`${encryptedClientKey}.pub`, 'utf8'), {
      mode: 0o644,
    });
    const authorizedKeysLine = options.homeAuthorizedKeys === true ? `${authorizedKeys} .ssh/authorized_keys` : authorizedKeys;
    const publicKeyOf = (file: string) => readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const fingerprintOf = async (file: string) =>
      (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`])).stdout.split(' ')[1] ?? '';
    const current = { publicKey: publicKeyOf(hostKey), fingerprint: await fingerprintOf(hostKey) };
    const ecdsaHostPublicKey = options.ecdsaHostKey ? publicKeyOf(`${hostKey}_ecdsa`) : undefined;

    if (isRoot) {
      await run('useradd', ['-r', '-m', '-d', join(dir, 'home'), '-s', '/bin/sh', user]);
      userCreated = true;
      await runWithInput('chpasswd', [], `${user}:${password}\n`);
      if (options.sudo) await writeSudoers(sudoersFile, user, options.sudo);
      // Privilege separation needs this directory; a fresh container may lack it.
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    } else if (options.sudo) {
      throw new Error('startSshd: the sudo option needs root (it writes /etc/sudoers.d)');
    }

    const configFile = join(dir, 'sshd_config');
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = options.port ?? (await freePort());
      writeFileSync(configFile, sshdConfig(dir, port, hostKeysWith(hostKey), authorizedKeysLine));
      const started = await spawnSshd(configFile, port, logLines, options.netns);
      if (started.child) {
        child = started.child;
        break;
      }
      // Another test may have taken the port between our probe and sshd's bind.
      if (!started.addressInUse || attempt >= 5 || options.port !== undefined) throw new Error(`sshd did not start: ${started.error}\n${logLines.join('\n')}`);
    }

    const knownHostsLine = ({ hashed = false } = {}): string => {
      const line = `[127.0.0.1]:${port} ${current.publicKey}`;
      if (!hashed) return line;
      const file = join(dir, `hash-${randomBytes(4).toString('hex')}`);
      writeFileSync(file, `${line}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const hashedLine = readFileSync(file, 'utf8').trim();
      rmSync(file, { force: true });
      rmSync(`${file}.old`, { force: true });
      return hashedLine;
    };

    const target = (overrides: Partial<HostTarget> = {}): HostTarget => ({
      id: 'node1',
      host: '127.0.0.1',
      port,
      user,
      priv: clientKey,
      sudo: false,
      tty: false,
      connectTimeoutSec: 10,
      identitiesOnly: false,
      connection: 'ssh',
      ...overrides,
    });

    return {
      host: '127.0.0.1',
      port,
      dir,
      user,
      password,
      clientKey,
      encryptedClientKey,
      passphrase,
      get hostPublicKey() {
        return current.publicKey;
      },
      ecdsaHostPublicKey,
      get hostKeyFingerprint() {
        return current.fingerprint;
      },
      async swapHostKey(type = 'ed25519') {
        const running = child;
        if (!running?.stderr) throw new Error('startSshd: swapHostKey on a stopped sshd');
        const newKey = join(dir, `host_${type}_${randomBytes(4).toString('hex')}`);
        await generateHostKey(newKey, type);
        writeFileSync(configFile, sshdConfig(dir, port, hostKeysWith(newKey), authorizedKeysLine));
        // SIGHUP makes sshd re-exec itself (same PID, same port) and reload its config and keys.
        await waitForLog(running, `Server listening on 127.0.0.1 port ${port}`, () => running.kill('SIGHUP'));
        current.publicKey = publicKeyOf(newKey);
        current.fingerprint = await fingerprintOf(newKey);
      },
      target,
      writeRoster(ids, extra = {}) {
        const names = typeof ids === 'number' ? Array.from({ length: ids }, (_, i) => `node${i + 1}`) : ids;
        const roster = Object.fromEntries(
          names.map((id) => [id, { host: '127.0.0.1', port, user, priv: clientKey, ...extra }]),
        );
        const file = join(dir, `roster-${randomBytes(4).toString('hex')}`);
        writeFileSync(file, stringify(roster, { version: '1.1' }));
        return file;
      },
      knownHostsLine,
      writeKnownHosts(content = {}, name = `known_hosts-${randomBytes(4).toString('hex')}`) {
        const file = join(dir, name);
        writeFileSync(file, typeof content === 'string' ? content : `${knownHostsLine(content)}\n`);
        return file;
      },
      log: () => logLines.join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sshdConfig(dir: string, port: number, hostKeys: string[], authorizedKeys: string): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    ...hostKeys.map((file) => `HostKey ${file}`),
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin yes',
    'MaxStartups 2000:30:2000',
    'MaxSessions 64',
    `PidFile ${join(dir, 'sshd.pid')}`,
    'LogLevel INFO',
    'PrintMotd no',
    'Banner none',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

type SpawnOutcome = { child: ChildProcess } | { child?: undefined; addressInUse: boolean; error: string };

/** Starts sshd in the foreground; resolves once it logs that it listens, or with why it did not. */
function spawnSshd(configFile: string, port: number, logLines: string[], netns: string | undefined): Promise<SpawnOutcome> {
  const args = ['-D', '-e', '-f', configFile];
  // `ip netns exec` execs sshd in place, so the child's PID is sshd's own.
  const child = netns === undefined ? spawn(SSHD, args, { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn('ip', ['netns', 'exec', netns, SSHD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ready = `Server listening on 127.0.0.1 port ${port}`;
  logLines.length = 0;
  return new Promise((resolve) => {
    let pending = '';
    let settled = false;
    const settle = (outcome: SpawnOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ addressInUse: false, error: `no "${ready}" within ${START_TIMEOUT_MS} ms` });
    }, START_TIMEOUT_MS);
    // Keep draining stderr for sshd's whole life, or it blocks once the pipe fills.
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        logLines.push(line);
        if (logLines.length > LOG_LINES_KEPT) logLines.shift();
        if (line.includes(ready)) settle({ child });
      }
    });
    child.on('error', (err) => settle({ addressInUse: false, error: err.message }));
    child.on('exit', (code, signal) => {
      const log = logLines.join('\n');
      settle({ addressInUse: /Address already in use/.test(log), error: `sshd exited (${code ?? signal})` });
    });
  });
}

function generateHostKey(file: string, type: HostKeyType) {
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  return run('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'brine-host', '-f', file]);
}

/** Runs `trigger`, then resolves once sshd logs a line containing `text`. */
function waitForLog(child: ChildProcess, text: string, trigger: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      done();
      resolve();
    };
    const onExit = () => {
      done();
      reject(new Error(`sshd exited while waiting for "${text}"`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`sshd did not log "${text}" within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    trigger();
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function writeSudoers(file: string, user: string, mode: 'password' | 'nopasswd'): Promise<void> {
  const rule = mode === 'nopasswd' ? `${user} ALL=(ALL) NOPASSWD: ALL` : `${user} ALL=(ALL) ALL`;
  // No lecture: its text on stderr would otherwise differ between the first and later sudo calls.
  writeFileSync(file, `Defaults:${user} lecture=never\n${rule}\n`, { mode: 0o440 });
  try {
    await run('visudo', ['-c', '-f', file]);
  } catch (err) {
    rmSync(file, { force: true });
    throw new Error(`startSshd: visudo rejected ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function runWithInput(command: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}
