import type { Logger } from '../core/log.js';

/** A roster entry resolved against roster_defaults, config and CLI flags: everything needed to reach one host. */
export interface HostTarget {
  /** The roster id (salt's minion id). */
  id: string;
  host: string;
  port: number;
  user: string;
  passwd?: string;
  /** Path of a private key file. */
  priv?: string;
  privPasswd?: string;
  sudo: boolean;
  sudoUser?: string;
  tty: boolean;
  /** Seconds for the TCP connect and the server's banner, as OpenSSH's ConnectTimeout (key exchange and auth: transport/connect-timer.ts). */
  connectTimeoutSec: number;
  identitiesOnly: boolean;
  connection: 'ssh' | 'local';
  minionOpts?: Record<string, unknown>;
  /** Roster `set_path`, `cmd_umask`, `ssh_pre_flight`: how the command runs (src/job/command-env.ts, pre-flight.ts). */
  command?: CommandSettings;
  /** Further private key files to try after `priv`, in order (ssh_config IdentityFile, tokens expanded). */
  identityFiles?: string[];
  /** ProxyJump chain, first hop first; each hop fully resolved (its own user, port, keys, host-key policy) and without jumps of its own. */
  jumpHosts?: HostTarget[];
  /** ProxyCommand with %h %p %r %n %% expanded; its stdin/stdout carry the SSH stream. Mutually exclusive with jumpHosts. */
  proxyCommand?: string;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  /** HostKeyAlias: the name looked up / recorded in known_hosts instead of [host]:port. */
  hostKeyAlias?: string;
  /** Per-host host-key policy from StrictHostKeyChecking (yes → 'strict', accept-new → 'ignore' (records new keys), no/off → 'none'); overrides the run's policy when set. */
  hostKeyMode?: 'strict' | 'ignore' | 'none';
  /** UserKnownHostsFile(s) for this host, replacing the run's known_hosts file when set (first one is where -i/accept-new records). */
  knownHostsFiles?: string[];
}

/** Roster settings applied around the command on the host. */
export interface CommandSettings {
  /** PATH for the command; the host's shell expands it (`$PATH:/usr/local/bin`). */
  setPath?: string;
  /** Octal umask, e.g. `0077`. */
  umask?: string;
  /** A local script uploaded and run before the command; `content` is read once per run. */
  preFlight?: { script: string; args: string[]; content?: Buffer };
}

/** How host keys are checked: `strict` against known_hosts, `ignore` accepts unknown keys (`-i`), `none` checks nothing (`--no-host-keys`). */
export interface HostKeyPolicy {
  mode: 'strict' | 'ignore' | 'none';
  knownHostsFile: string;
}

export interface ConnectOptions {
  hostKeys: HostKeyPolicy;
  /** `--key-deploy`: a host that refuses the key gets its public half appended with the password (src/job/key-deploy.ts). */
  keyDeploy?: boolean;
  /** ssh-agent socket (SSH_AUTH_SOCK), when set. */
  agentSocket?: string;
  signal?: AbortSignal;
  /** Receives one-line notices for the user's stderr, e.g. a host key `-i` added to known_hosts. */
  warn?: (line: string) => void;  /** `-l debug` lines: connect, host key, auth; `-l trace` adds ssh2's own. Never given secrets. */
  log?: Logger;
}

/**
 * How to answer sudo's password prompt without the password ever reaching the command: sudo runs with
 * `-p prompt`, the command prints `ready` as its first act; the password is sent once, only after
 * `prompt` shows (on stderr, or the pty's stdout), and the command's stdin only after `ready`.
 * Both markers are taken out of the output.
 */
export interface SudoConversation {
  password: string;
  prompt: string;
  ready: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  pty?: boolean;
  /** Wall-clock limit for the command; the channel is closed when it passes. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bytes kept per stream (stdout, stderr); past it the middle is dropped and a truncation marker line says how much. */
  maxOutputBytes?: number;
  sudo?: SudoConversation;
}

/** A finished command. `exitCode` is null when the remote side sent no exit status (killed, timed out). */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  /** sudo asked for the password again after it was sent once: the password is wrong. */
  sudoRejected?: true;
  /** The connection dropped while the command ran: no exit status will ever come. */
  connectionLost?: true;
}

/** One open connection to one host. */
export interface Session {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  close(): void;
}

export interface Transport {
  /** Opens a session or rejects with a TransportError. */
  connect(target: HostTarget, options: ConnectOptions): Promise<Session>;
}

export type TransportFailure =
  | 'refused'
  | 'timeout'
  | 'auth'
  | 'hostkey-unknown'
  | 'hostkey-changed'
  | 'dns'
  | 'closed'
  | 'other';

/** Where a connect stood when it failed: the TCP connect, waiting for the server's banner, or key exchange and authentication. */
export type ConnectStage = 'tcp' | 'banner' | 'auth';

/** Why a host could not be reached; becomes the host's `_error` return, never an exception to the user. */
export class TransportError extends Error {
  readonly reason: TransportFailure;
  /** Set on a timeout: how far the connect got (a `banner` or `auth` timeout means TCP succeeded). */
  readonly stage: ConnectStage | undefined;

  constructor(reason: TransportFailure, message: string, options: { cause?: unknown; stage?: ConnectStage } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.reason = reason;
    this.stage = options.stage;
  }
}
