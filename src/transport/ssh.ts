import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ParsedKey, ServerHostKeyAlgorithm } from 'ssh2';
import { verifyHostKey } from './host-key-check.js';
import { createKnownHostsStore, type KnownHostsStore } from './known-hosts-file.js';
import { socketError, timeoutError, type ConnectStage } from './ssh-errors.js';
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
}

export interface SshTransportOptions {
  /** Diagnostics for developers, e.g. an ssh2 internal brine relies on is gone; default: stderr when DEBUG is set. */
  debug?: (line: string) => void;
}

function debugToStderr(line: string): void {
  if (process.env['DEBUG']) process.stderr.write(`brine: ${line}\n`);
}

/** The SSH transport: one ssh2 connection per host, host keys checked against known_hosts. */
export function createSshTransport(options: SshTransportOptions = {}): Transport {
  const keysByFile = new Map<string, Promise<ParsedKey | string>>();
  const files: SharedFiles = {
    knownHosts: createKnownHostsStore(),
    privateKey(file, passphrase) {
      const cacheKey = `${file}\0${passphrase ?? ''}`;
      let loaded = keysByFile.get(cacheKey);
      if (!loaded) {
        loaded = loadPrivateKey(file, passphrase);
        keysByFile.set(cacheKey, loaded);
      }
      return loaded;
    },
  };
  const shared: Shared = { files, internals: createSsh2Internals(options.debug ?? debugToStderr) };
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

/** Builds the auth methods in order: key file, agent, password (+ keyboard-interactive with it). */
async function authPlan(target: HostTarget, options: ConnectOptions, files: SharedFiles) {
  const username = target.user;
  const methods: AnyAuthMethod[] = [];
  let keyProblem: string | undefined;
  if (target.priv !== undefined) {
    const key = await files.privateKey(target.priv, target.privPasswd);
    if (typeof key === 'string') keyProblem = key;
    else methods.push({ type: 'publickey', username, key });
  }
  const skipAgent = target.identitiesOnly && target.priv !== undefined;
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

async function connectHost(target: HostTarget, options: ConnectOptions, { files, internals }: Shared): Promise<Session> {
  const { host, port } = target;
  const hostKeys = options.hostKeys;
  const knownHosts = hostKeys.mode === 'none' ? undefined : await files.knownHosts.load(hostKeys.knownHostsFile);
  const { methods, keyProblem } = await authPlan(target, options, files);
  const denied = (tried: string[]) =>
    `${target.user}@${host}: Permission denied (${tried.join(',') || 'none'}).${keyProblem ? ` (${keyProblem})` : ''}`;
  if (methods.length === 0) {
    throw new TransportError('auth', keyProblem ? denied(['publickey']) : `${target.user}@${host}: no key, agent or password to log in with`);
  }
  if (options.signal?.aborted) throw new TransportError('closed', `Connection to ${host} port ${port} aborted`);

  return new Promise<Session>((resolve, reject) => {
    const client = new Client();
    let stage: ConnectStage = 'tcp';
    let settled = false;
    let hostKeyError: TransportError | undefined;
    let serverMethods: string[] = [];
    const tried: string[] = [];

    const finish = (err?: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (!err) return resolve(createSession(client, target, internals));
      client.destroy();
      reject(err);
    };
    const onAbort = () => finish(new TransportError('closed', `Connection to ${host} port ${port} aborted`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Guards DNS and the TCP connect too, which ssh2's readyTimeout does not cover.
    const timer = setTimeout(() => finish(timeoutError(host, port, stage)), target.connectTimeoutSec * 1000);

    client.on('connect', () => (stage = 'banner'));
    client.on('handshake', () => (stage = 'auth'));
    client.on('ready', () => finish());
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
          return finish(timeoutError(host, port, stage));
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
      client.connect({
        host,
        port,
        username: target.user,
        readyTimeout: target.connectTimeoutSec * 1000,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey: hostKeyAlgorithms(knownHosts?.keyTypes(host, port) ?? []) },
        hostVerifier: (key: Buffer, verify: (isValid: boolean) => void): void => {
          const check = { policy: hostKeys, knownHosts, store: files.knownHosts, host, port, key, warn: options.warn };
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

/** getaddrinfo's codes in the words ssh prints. */
function resolverMessage(err: Error & { code?: string }): string {
  if (err.code === 'ENOTFOUND') return 'Name or service not known';
  if (err.code === 'EAI_AGAIN') return 'Temporary failure in name resolution';
  return err.message;
}
