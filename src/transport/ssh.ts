import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ParsedKey, ServerHostKeyAlgorithm } from 'ssh2';
import { hostKeyName, hostKeyPolicyFor, verifyHostKey } from './host-key-check.js';
import { DEFAULT_HANDSHAKE_BUDGET, watchConnect, type HandshakeBudget } from './connect-timer.js';
import { createKnownHostsStore, type KnownHostsStore } from './known-hosts-file.js';
import { socketError, timeoutError } from './ssh-errors.js';
import { connectTrace, type KeyFileNames } from './ssh-log.js';
import { openRoute, type ClientVia } from './ssh-route.js';
import { createSession } from './ssh-session.js';
import { createSsh2Internals, keyWithSigner, noMoreAuthMethods, type Ssh2Internals } from './ssh2-internals.js';
import {
  TransportError,
  type ConnectOptions,
  type HostTarget,
  type Session,
  type Transport,
} from './types.js';

const { Client, utils } = ssh2;

const AUTH_EXHAUSTED = 'All configured authentication methods failed';

/** Files shared by every host of one transport: read (and decrypted) once, not once per host. */
interface SharedFiles {
  knownHosts: KnownHostsStore;
  privateKey(file: string, passphrase: string | undefined): Promise<ParsedKey | string>;
}

/** What every connection of one transport shares. */
interface Shared {
  files: SharedFiles;
  internals: Ssh2Internals;
  keyFiles: KeyFileNames;
  budget: HandshakeBudget;
}

export interface SshTransportOptions {
  /** Diagnostics for developers, e.g. an ssh2 internal brine relies on is gone; default: stderr when DEBUG is set. */
  debug?: (line: string) => void;
  /** Key exchange and authentication's own budget (after the banner); default DEFAULT_HANDSHAKE_BUDGET. */
  handshakeBudget?: HandshakeBudget;
}

function debugToStderr(line: string): void {
  if (process.env['DEBUG']) process.stderr.write(`brine: ${line}\n`);
}

/** The SSH transport: one ssh2 connection per host, host keys checked against known_hosts. */
export function createSshTransport(options: SshTransportOptions = {}): Transport {
  const keysByFile = new Map<string, Promise<ParsedKey | string>>();
  const keyFiles: KeyFileNames = new WeakMap();
  const files: SharedFiles = {
    knownHosts: createKnownHostsStore(),
    privateKey(file, passphrase) {
      const cacheKey = `${file}\0${passphrase ?? ''}`;
      let loaded = keysByFile.get(cacheKey);
      if (!loaded) {
        loaded = loadPrivateKey(file, passphrase).then((key) => {
          if (typeof key !== 'string') keyFiles.set(key, file);
          return key;
        });
        keysByFile.set(cacheKey, loaded);
      }
      return loaded;
    },
  };
  const budget = options.handshakeBudget ?? DEFAULT_HANDSHAKE_BUDGET;
  const shared: Shared = { files, internals: createSsh2Internals(options.debug ?? debugToStderr), keyFiles, budget };
  return { connect: (target, connectOptions) => connectHost(target, connectOptions, shared) };
}

/** The parsed key, or a one-line reason it cannot be used. */
async function loadPrivateKey(file: string, passphrase: string | undefined): Promise<ParsedKey | string> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    return `key file ${file} is not readable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  const parsed: unknown = utils.parseKey(data, passphrase);
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | Error | undefined;
  if (key === undefined) return `key file ${file} holds no key`;
  if (!(key instanceof Error)) {
    return key.isPrivateKey() ? withKeyObjectSigner(key) : `key file ${file} is not a private key`;
  }
  if (/no passphrase given/.test(key.message)) return `key file ${file} is encrypted and no priv_passwd was given`;
  if (passphrase !== undefined) return `key file ${file} could not be decrypted: wrong priv_passwd`;
  return `key file ${file} could not be read: ${key.message}`;
}

/**
 * ssh2 signs with the key's PEM text, which OpenSSL 3 decodes again on every login (~0.5 ms of CPU);
 * sign with one KeyObject instead.
 */
function withKeyObjectSigner(key: ParsedKey): ParsedKey {
  const pem = key.getPrivatePEM();
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey(pem);
  } catch {
    return key; // a key OpenSSL will not load as a KeyObject still signs through ssh2's own path
  }
  const isEd25519 = key.type === 'ssh-ed25519';
  const sign = (data: Buffer | string, algo?: string): Buffer | Error => {
    // Without a hash name only ed25519's (none) is known here; other types keep ssh2's default.
    if (typeof algo !== 'string' && !isEd25519) return key.sign(data, algo);
    try {
      return cryptoSign(typeof algo === 'string' ? algo : null, Buffer.from(data), keyObject);
    } catch (err) {
      return err as Error;
    }
  };
  return keyWithSigner(key, sign);
}

/** Builds the auth methods in order: key files (`priv`, then ssh_config's IdentityFile), agent, password (+ keyboard-interactive with it). */
async function authPlan(target: HostTarget, options: ConnectOptions, files: SharedFiles) {
  const username = target.user;
  const methods: AnyAuthMethod[] = [];
  const keyFiles = [...(target.priv === undefined ? [] : [target.priv]), ...(target.identityFiles ?? [])];
  const keyProblems: string[] = [];
  for (const file of keyFiles) {
    const key = await files.privateKey(file, target.privPasswd);
    if (typeof key === 'string') keyProblems.push(key);
    else methods.push({ type: 'publickey', username, key });
  }
  const keyProblem = keyProblems.length > 0 ? keyProblems.join('; ') : undefined;
  const skipAgent = target.identitiesOnly && keyFiles.length > 0;
  if (options.agentSocket !== undefined && !skipAgent) {
    methods.push({ type: 'agent', username, agent: options.agentSocket });
  }
  const password = target.passwd;
  if (password !== undefined) {
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
  }
  return { methods, keyProblem };
}

/** OpenSSH's order (ed25519 first), with the types known_hosts lists for the host moved to the front, as ssh does. */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function hostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  if (knownTypes.length === 0) return HOST_KEY_ALGORITHMS;
  // An ssh-rsa key is offered under the rsa-sha2-* signature names too.
  const isKnown = (algo: string) => knownTypes.includes(algo.startsWith('rsa-sha2-') ? 'ssh-rsa' : algo);
  return [...HOST_KEY_ALGORITHMS.filter(isKnown), ...HOST_KEY_ALGORITHMS.filter((a) => !isKnown(a))];
}

/** The name the server uses for a method (the agent signs with publickey). */
function wireName(type: AuthenticationType): AuthenticationType {
  return type === 'agent' ? 'publickey' : type;
}

async function connectHost(target: HostTarget, options: ConnectOptions, shared: Shared): Promise<Session> {
  const { client } = await openRoute(target, (hop, via) => openClient(hop, options, shared, via), options.signal);
  return createSession(client, target, shared.internals);
}

/** One logged-in ssh2 client for `target` (the host or a jump host), carried by `via`. */
async function openClient(target: HostTarget, options: ConnectOptions, { files, internals, keyFiles, budget }: Shared, via: ClientVia) {
  const { host, port } = target;
  const trace = connectTrace(target, options.log, keyFiles);
  const hostKeys = hostKeyPolicyFor(target, options.hostKeys);
  const keyName = hostKeyName(target);
  const knownHosts = hostKeys.mode === 'none' ? [] : await Promise.all(hostKeys.files.map((file) => files.knownHosts.load(file)));
  const knownKeyTypes = [...new Set(knownHosts.flatMap((file) => file.keyTypes(keyName.host, keyName.port)))];
  const { methods, keyProblem } = await authPlan(target, options, files);
  const denied = (tried: string[]) =>
    `${target.user}@${host}: Permission denied (${tried.join(',') || 'none'}).${keyProblem ? ` (${keyProblem})` : ''}`;
  if (methods.length === 0) {
    throw new TransportError('auth', keyProblem ? denied(['publickey']) : `${target.user}@${host}: no key, agent or password to log in with`);
  }
  if (options.signal?.aborted) throw new TransportError('closed', `Connection to ${host} port ${port} aborted`);

  return new Promise<InstanceType<typeof Client>>((resolve, reject) => {
    const client = new Client();
    // brine's own socket (unless a jump channel or ProxyCommand carries the connection), so its banner can be watched.
    const ownSocket = via.sock === undefined ? new Socket() : undefined;
    const sock = via.sock ?? ownSocket ?? new Socket();
    let settled = false;
    let hostKeyError: TransportError | undefined;
    let serverMethods: string[] = [];
    const tried: string[] = [];

    const finish = (err?: TransportError) => {
      if (settled) return;
      settled = true;
      watch.stop();
      options.signal?.removeEventListener('abort', onAbort);
      if (!err) return resolve(client);
      trace.failed(err.message);
      client.destroy();
      sock.destroy();
      reject(err);
    };
    const onAbort = () => finish(new TransportError('closed', `Connection to ${host} port ${port} aborted`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // DNS, the TCP connect and the banner get the connect timeout; key exchange and auth the handshake budget.
    const watch = watchConnect(sock, {
      connectTimeoutMs: via.connectTimeoutMs,
      budget,
      isConnecting: ownSocket !== undefined,
      onTimeout: (stage) => finish(timeoutError(host, port, stage)),
    });

    client.on('ready', () => {
      trace.authenticated();
      finish();
    });
    client.on('close', () => {
      if (!settled) finish(hostKeyError ?? new TransportError('closed', `Connection closed by ${host} port ${port}`));
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      if (hostKeyError) return finish(hostKeyError);
      switch (err.level) {
        case 'agent':
          return; // ssh2 moves on to the next method by itself
        case 'client-authentication':
          if (err.message !== AUTH_EXHAUSTED) return;
          return finish(new TransportError('auth', denied(tried.length ? tried : serverMethods), { cause: err }));
        case 'client-timeout':
          return finish(timeoutError(host, port, watch.stage));
        case 'client-dns':
          return finish(new TransportError('dns', `ssh: Could not resolve hostname ${host}: ${resolverMessage(err)}`, { cause: err }));
        case 'client-socket':
          return finish(socketError(host, port, err));
        default:
          return finish(new TransportError('other', `ssh: ${host} port ${port}: ${err.message}`, { cause: err }));
      }
    });

    const queue = [...methods];
    try {
      trace.connecting();
      // Connecting before ssh2 gets the socket: ssh2 takes a socket that is not connecting as already connected.
      ownSocket?.connect({ host, port });
      client.connect({
        ...trace.ssh2Options,
        sock,
        username: target.user,
        // the connect timer above replaces ssh2's wall-clock readyTimeout
        readyTimeout: 0,
        ...keepalive(target),
        algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes) },
        hostVerifier: (key: Buffer, verify: (isValid: boolean) => void): void => {
          const check = { mode: hostKeys.mode, knownHosts, store: files.knownHosts, ...keyName, key, warn: options.warn, log: trace.hostKey };
          void verifyHostKey(check).then((err) => {
            hostKeyError = err;
            // A connect that timed out or was aborted while -i recorded the key has nothing left to verify.
            if (!settled) verify(err === undefined);
          }, (err: unknown) => {
            hostKeyError = new TransportError('other', `ssh: ${host} port ${port}: host key check failed: ${(err as Error).message}`, { cause: err });
            if (!settled) verify(false);
          });
        },
        authHandler: (methodsLeft, _partialSuccess, next) => {
          // ssh2 passes null before the first attempt, when the server has not yet said what it allows.
          if (methodsLeft) serverMethods = methodsLeft;
          for (let method = queue.shift(); method; method = queue.shift()) {
            const name = wireName(method.type);
            if (methodsLeft && !methodsLeft.includes(name)) continue;
            if (!tried.includes(name)) tried.push(name);
            trace.trying(method);
            return next(method);
          }
          noMoreAuthMethods(next);
        },
      });
      internals.declineHostKeysProof(client);
    } catch (err) {
      // ssh2 throws synchronously on bad options (an invalid port, say).
      finish(new TransportError('other', `ssh: ${host} port ${port}: ${(err as Error).message}`, { cause: err }));
    }
  });
}

/** ssh_config's ServerAlive*: ssh2, like ssh, gives up after CountMax+1 unanswered intervals; 0 turns them off. Default 15 s × 3. */
function keepalive(target: HostTarget): { keepaliveInterval: number; keepaliveCountMax: number } {
  return { keepaliveInterval: (target.serverAliveIntervalSec ?? 15) * 1000, keepaliveCountMax: target.serverAliveCountMax ?? 3 };
}

/** getaddrinfo's codes in the words ssh prints. */
function resolverMessage(err: Error & { code?: string }): string {
  if (err.code === 'ENOTFOUND') return 'Name or service not known';
  if (err.code === 'EAI_AGAIN') return 'Temporary failure in name resolution';
  return err.message;
}
