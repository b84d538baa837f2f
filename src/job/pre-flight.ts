/**
 * Roster `ssh_pre_flight`: the local script is uploaded (over stdin, to a temporary file) and run with
 * `/bin/sh` and `ssh_pre_flight_args` before the command; a non-zero exit fails the host with the
 * script's output, as salt-ssh does. salt runs it only while its thin dir is missing; brine has no
 * thin, so it runs every time (salt's `--pre-flight` behaviour).
 */
import { basename } from 'node:path';
import { shellQuote } from '../modules/shell.js';
import type { ExecResult, Session } from '../transport/types.js';

export interface PreFlight {
  script: string;
  args: string[];
  content: Buffer;
}

export function preFlightCommand(args: readonly string[]): string {
  return [
    `f=$(mktemp "\${TMPDIR:-/tmp}/brine-pre-flight.XXXXXXXX") || exit 1`,
    `trap 'rm -f "$f"' EXIT`,
    `trap 'exit 1' HUP INT TERM`,
    `cat >"$f" || exit 1`,
    ['/bin/sh "$f"', ...args.map(shellQuote)].join(' '),
  ].join('\n');
}

export interface PreFlightFailure {
  error: string;
  result: ExecResult;
}

/** Runs the pre-flight script; a failure to report, or undefined when it exited 0. */
export async function runPreFlight(
  session: Session,
  preFlight: PreFlight,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<PreFlightFailure | undefined> {
  const result = await session.exec(preFlightCommand(preFlight.args), { stdin: preFlight.content, timeoutMs: options.timeoutMs, signal: options.signal });
  if (result.exitCode === 0 && !result.timedOut && result.connectionLost !== true) return undefined;
  const name = basename(preFlight.script);
  const how = result.timedOut ? 'timed out' : result.connectionLost ? 'lost its connection' : `exited with ${result.exitCode ?? 'no status'}`;
  return { error: `ssh_pre_flight ${name} ${how}`, result };
}
