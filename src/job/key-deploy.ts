/**
 * salt-ssh's `--key-deploy`: when a host refuses the key (`priv`) and a password is known, log in
 * with the password, append the key's public half (`<priv>.pub`) to `~/.ssh/authorized_keys` (once),
 * and go on with the key, so later runs need no password.
 */
import { readFile } from 'node:fs/promises';
import { TransportError, type ConnectOptions, type HostTarget, type Session, type Transport } from '../transport/types.js';

const APPEND_KEY = [
  'umask 077',
  'k=$(cat) || exit 1',
  'mkdir -p "$HOME/.ssh" || exit 1',
  'f="$HOME/.ssh/authorized_keys"',
  'touch "$f" || exit 1',
  'grep -qxF "$k" "$f" || printf \'%s\\n\' "$k" >>"$f"',
].join('\n');

const DEPLOY_TIMEOUT_MS = 30_000;

function keyOnly(target: HostTarget): HostTarget {
  const { passwd: _passwd, ...rest } = target;
  return rest;
}

function passwordOnly(target: HostTarget): HostTarget {
  const { priv: _priv, privPasswd: _privPasswd, ...rest } = target;
  // identitiesOnly without a key file keeps the agent out too: only the password is offered
  return { ...rest, identitiesOnly: true };
}

async function publicKey(priv: string): Promise<string> {
  const file = `${priv}.pub`;
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (!/^\S+ \S+/.test(text)) throw new Error('not an OpenSSH public key');
    return text;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TransportError('auth', `--key-deploy: cannot read the public key ${file}: ${why}`);
  }
}

/** Connects; with `keyDeploy`, a password and a key file, deploys the key first when the host refuses it. */
export async function connectHost(transport: Transport, target: HostTarget, options: ConnectOptions): Promise<Session> {
  const canDeploy = options.keyDeploy === true && target.connection === 'ssh' && target.priv !== undefined && target.passwd !== undefined;
  if (!canDeploy || target.priv === undefined) return transport.connect(target, options);
  try {
    return await transport.connect(keyOnly(target), options);
  } catch (err) {
    if (!(err instanceof TransportError) || err.reason !== 'auth') throw err;
  }
  const key = await publicKey(target.priv);
  const session = await transport.connect(passwordOnly(target), options);
  try {
    const result = await session.exec(APPEND_KEY, { stdin: `${key}\n`, timeoutMs: DEPLOY_TIMEOUT_MS, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    if (result.exitCode !== 0) {
      throw new TransportError('auth', `--key-deploy: appending ${target.priv}.pub to ~/.ssh/authorized_keys failed: ${result.stderr.trim() || `exit ${result.exitCode ?? 'unknown'}`}`);
    }
  } finally {
    session.close();
  }
  options.warn?.(`[NOTE    ] --key-deploy: added ${target.priv}.pub to ~/.ssh/authorized_keys of ${target.user}@${target.host}`);
  return transport.connect(keyOnly(target), options);
}
