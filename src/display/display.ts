import type { BrineError } from '../errors.js';
import { getOutputter } from '../output/registry.js';
import type { Outputter } from '../output/types.js';
import { openOutputSink, type OutputFlags } from './output-sink.js';

export type { OutputFlags } from './output-sink.js';

/** Where both commands' results go, rendered by the outputter the flags pick, with the colour they pick. */
export interface Display {
  /** The outputter `--out` names, else `fallback` (a runner's own, e.g. salt-run's `nested`); an unknown name is a usage error. */
  outputter(fallback?: string): Outputter;
  /** Renders `data` with `outputter(fallback)`, without writing it. */
  render(data: Record<string, unknown>, fallback?: string): string;
  /** Renders and writes `data`. */
  show(data: Record<string, unknown>, fallback?: string): void;
  /** Writes text as it is (a banner). */
  write(text: string): void;
  /** Closes the destination; then a write that failed earlier is thrown (exit 74), else `exitCode` is returned. */
  finish<T>(exitCode: T): T;
  /** Closes the destination without reporting a failure (the run already has its own error). */
  close(): void;
  /** The first write or close error (exit 74); undefined while output works, and when stdout's reader left (EPIPE). */
  readonly failure: BrineError | undefined;
}

export interface DisplayIo {
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/**
 * Opens stdout, or `--out-file` (truncated, or appended with `--out-file-append`). With
 * `isDeferringErrors` (salt-ssh: output must never stop a job) a failed write stops the output and is
 * kept for `finish`; without it (salt-run) the write throws it at once.
 */
export function openDisplay(flags: OutputFlags, io: DisplayIo, options: { isDeferringErrors?: boolean } = {}): Display {
  const sink = openOutputSink(io.stdout, flags.outFile, flags.outFileAppend, options.isDeferringErrors ?? false);
  const color = shouldColor(flags, sink.isTerminal, io.env);
  const indent = flags.outIndent ?? 4;
  const outputter = (fallback = 'nested') => getOutputter(flags.out ?? fallback);
  const requested = flags.outIndent === undefined ? {} : { requestedIndent: flags.outIndent };
  const render = (data: Record<string, unknown>, fallback?: string) => outputter(fallback)(data, { color, indent, ...requested });
  return {
    outputter,
    render,
    show: (data, fallback) => sink.write(render(data, fallback)),
    write: (text) => sink.write(text),
    finish(exitCode) {
      sink.close();
      if (sink.failure !== undefined) throw sink.failure;
      return exitCode;
    },
    close: () => sink.close(),
    get failure() {
      return sink.failure;
    },
  };
}

/**
 * The flags first (--force-color, --no-color), then the environment as Node reads it: FORCE_COLOR
 * (`0`/`false` turn colour off) over NO_COLOR over TERM=dumb; otherwise colour on a terminal.
 * An empty variable counts as unset.
 */
export function shouldColor(flags: { forceColor: boolean; noColor: boolean }, isTerminal: boolean, env: NodeJS.ProcessEnv): boolean {
  if (flags.forceColor) return true;
  if (flags.noColor) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTerminal;
}

/** salt's -v banner: the message, a dash line as long as it, then two empty lines. */
export function verboseBanner(jid: string): string {
  const message = `Executing job with jid ${jid}`;
  return `${message}\n${'-'.repeat(message.length)}\n\n\n`;
}
