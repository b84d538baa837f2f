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
  /** Seconds allowed to establish the connection (TCP + SSH handshake + auth). */
  connectTimeoutSec: number;
  identitiesOnly: boolean;
  connection: 'ssh' | 'local';
  minionOpts?: Record<string, unknown>;
}

/** How host keys are checked: `strict` against known_hosts, `ignore` accepts unknown keys (`-i`), `none` checks nothing (`--no-host-keys`). */
export interface HostKeyPolicy {
  mode: 'strict' | 'ignore' | 'none';
  knownHostsFile: string;
}

export interface ConnectOptions {
  hostKeys: HostKeyPolicy;
  /** ssh-agent socket (SSH_AUTH_SOCK), when set. */
  agentSocket?: string;
  signal?: AbortSignal;
  /** Receives one-line notices for the user's stderr, e.g. a host key `-i` added to known_hosts. */
  warn?: (line: string) => void;
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

/** Why a host could not be reached; becomes the host's `_error` return, never an exception to the user. */
export class TransportError extends Error {
  readonly reason: TransportFailure;

  constructor(reason: TransportFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.reason = reason;
  }
}
