import { randomBytes } from 'node:crypto';
import { saltStamp } from '../salt/jid.js';
import type { HostReturn } from '../core/job.js';
import type { Logger } from '../core/log.js';
import { clip } from '../config/validate.js';
import type { FunctionCall, ModuleFunction, RemoteCommand } from '../modules/types.js';
import { shellQuote } from '../modules/shell.js';
import {
  TransportError,
  type ConnectOptions,
  type ExecResult,
  type HostTarget,
  type Session,
  type SudoConversation,
  type Transport,
  type TransportFailure,
} from '../transport/types.js';
import { SSH_FAILED } from './exit-code.js';
import { withCommandEnv } from './command-env.js';
import { connectHost } from './key-deploy.js';
import { runPreFlight } from './pre-flight.js';

export { SSH_FAILED };

/** retcode of a host whose command outlived --timeout (GNU timeout's). */
export const COMMAND_TIMED_OUT = 124;

const FAILURE_TITLES: Record<TransportFailure, string> = {
  refused: 'Connection refused',
  timeout: 'Connection timed out',
  auth: 'Permission denied',
  'hostkey-unknown': 'Host key verification failed',
  'hostkey-changed': 'Host key verification failed',
  dns: 'Could not resolve hostname',
  closed: 'SSH connection closed',
  other: 'SSH connection failed',
};

export interface HostRun {
  target: HostTarget;
  transport: Transport;
  fn: ModuleFunction;
  /** The job's command, prepared once for every host. */
  command: RemoteCommand;
  call: FunctionCall;
  funArgs: unknown[];
  connect: ConnectOptions;
  commandTimeoutSec: number;
  /** Bytes kept per host per stream (`ssh_max_output_bytes`); the transport's default when absent. */
  maxOutputBytes?: number;
  now: () => Date;
  signal: AbortSignal;
  /** `-l debug`: the command (never stdin, where a sudo password goes) and its exit. */
  log?: Logger;
  /** Hears how the connect ended: logged in after `latencyMs`, or the error (for the fan-out's gate and retry). */
  onConnect?: (outcome: { latencyMs: number } | { error: unknown }) => void;
}

/** Runs one function on one host. Never throws: a failed host is a return with its `_error`. */
export async function runOnHost(run: HostRun): Promise<HostReturn> {
  let session: Session;
  const connectStartedAt = Date.now();
  try {
    session = await connectHost(run.transport, run.target, { ...run.connect, signal: run.signal });
    run.onConnect?.({ latencyMs: Date.now() - connectStartedAt });
  } catch (err) {
    run.onConnect?.({ error: err });
    const reason = err instanceof TransportError ? err.reason : 'other';
    const message = err instanceof Error ? err.message : String(err);
    return errorReturn(run, FAILURE_TITLES[reason], message, SSH_FAILED);
  }
  try {
    const { command } = run;
    const timeoutSec = command.timeoutSec ?? run.commandTimeoutSec;
    // The local transport has no pty, so sudo there reads the password from stdin as without tty.
    const pty = run.target.tty && run.target.connection !== 'local';
    const preFlight = run.target.command?.preFlight;
    if (preFlight?.content !== undefined) {
      const failed = await runPreFlight(session, { ...preFlight, content: preFlight.content }, { timeoutMs: timeoutSec * 1000, signal: run.signal });
      if (failed !== undefined) return errorReturn(run, failed.error, failed.result.stderr, failed.result.exitCode ?? SSH_FAILED, failed.result.stdout);
    }
    const wrapped = wrapForSudo(withCommandEnv(command.command, run.target.command), command.stdin, run.target, { pty });
    const startedAt = Date.now();
    // Checked so the line (a whole cmd.script) is built only when it is written.
    const debug = run.log?.isEnabled('debug') === true ? run.log : undefined;
    // JSON-quoted so a multi-line command stays on one log line.
    debug?.debug(`${run.target.id}: exec: ${JSON.stringify(clip(wrapped.command, MAX_LOGGED_COMMAND))}`);
    const result = await session.exec(wrapped.command, {
      ...(wrapped.stdin === undefined ? {} : { stdin: wrapped.stdin }),
      ...(wrapped.sudo === undefined ? {} : { sudo: wrapped.sudo }),
      ...(run.maxOutputBytes === undefined ? {} : { maxOutputBytes: run.maxOutputBytes }),
      pty,
      timeoutMs: timeoutSec * 1000,
      signal: run.signal,
    });
    debug?.debug(`${run.target.id}: ${describeExit(result)} after ${((Date.now() - startedAt) / 1000).toFixed(2)} s`);
    if (result.connectionLost) {
      const lost = `Connection to ${run.target.host} port ${run.target.port} lost while the command was running`;
      return errorReturn(run, FAILURE_TITLES.closed, `${result.stderr}${lost}`, SSH_FAILED, result.stdout);
    }
    const failure = sudoFailure(result, run.target);
    if (failure) return errorReturn(run, failure, result.stderr, result.exitCode ?? 1, result.stdout);
    if (result.timedOut && command.timeoutSec === undefined) {
      return errorReturn(run, `Timed out after ${timeoutSec} seconds`, result.stderr, COMMAND_TIMED_OUT, result.stdout);
    }
    const parsed = run.fn.parse(result, run.call);
    return hostReturn(run, parsed.return, parsed.retcode);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return errorReturn(run, 'The function failed', message, SSH_FAILED);
  } finally {
    session.close();
  }
}

export interface SudoWrapped {
  command: string;
  stdin?: string | Buffer;
  sudo?: SudoConversation;
}

/**
 * `sudo: True` runs the command through `sudo -n`, or, with a password, through sudo with a unique
 * prompt that the transport answers (`-S` reads it from stdin; over a pty sudo reads the terminal).
 * The command first prints a unique ready marker, so its own stdin is only sent once sudo is done.
 */
export function wrapForSudo(
  command: string,
  stdin: string | Buffer | undefined,
  target: HostTarget,
  options: { pty: boolean; nonce?: string },
): SudoWrapped {
  const withStdin = stdin === undefined ? {} : { stdin };
  if (!target.sudo && target.sudoUser === undefined) return { command, ...withStdin };
  const asUser = target.sudoUser === undefined ? '' : ` -u ${shellQuote(target.sudoUser)}`;
  if (target.passwd === undefined || target.passwd === '') {
    return { command: `sudo -n${asUser} -- /bin/sh -c ${shellQuote(command)}`, ...withStdin };
  }
  const nonce = options.nonce ?? randomBytes(12).toString('hex');
  const sudo: SudoConversation = {
    password: target.passwd,
    prompt: `[brine-sudo-prompt:${nonce}]`,
    ready: `[brine-sudo-ready:${nonce}]`,
  };
  const script = `printf '%s' ${shellQuote(sudo.ready)} >&2\n${command}`;
  const readFrom = options.pty ? '' : ' -S';
  return {
    command: `sudo${readFrom} -p ${shellQuote(sudo.prompt)}${asUser} -- /bin/sh -c ${shellQuote(script)}`,
    ...withStdin,
    sudo,
  };
}

function sudoFailure(result: ExecResult, target: HostTarget): string | undefined {
  if (!target.sudo && target.sudoUser === undefined) return undefined;
  if (result.sudoRejected) return `sudo: incorrect password on ${target.id}`;
  if (result.exitCode !== 1) return undefined;
  if (/sudo: a (terminal|password) is required/.test(result.stderr)) {
    return `sudo needs a password on ${target.id}: set passwd in the roster or NOPASSWD in sudoers`;
  }
  if (/sudo: .*incorrect password|Sorry, try again/.test(result.stderr)) return `sudo: incorrect password on ${target.id}`;
  if (/is not in the sudoers file|is not allowed to execute/.test(result.stderr)) return `sudo refused on ${target.id}`;
  return undefined;
}

function hostReturn(run: HostRun, value: unknown, retcode: number): HostReturn {
  return {
    id: run.target.id,
    jid: run.call.jid,
    fun: run.call.fun,
    fun_args: run.funArgs,
    return: value,
    retcode,
    success: retcode === 0,
    _stamp: saltStamp(run.now()),
  };
}

function errorReturn(run: HostRun, error: string, stderr: string, retcode: number, stdout = ''): HostReturn {
  const ret = hostReturn(run, { _error: error, stdout, stderr: stderr.trimEnd(), retcode }, retcode);
  ret.success = false;
  return ret;
}

/** A logged command past this is cut: cmd.script and grains send whole scripts. */
const MAX_LOGGED_COMMAND = 2000;

function describeExit(result: ExecResult): string {
  if (result.connectionLost) return 'connection lost';
  if (result.timedOut) return 'timed out';
  if (result.exitCode === null) return `no exit status${result.signal === undefined ? '' : ` (signal ${result.signal})`}`;
  return `exit ${result.exitCode}`;
}
