import { closeSync, openSync, writeSync } from 'node:fs';
import { BrineError, ExitCode } from '../errors.js';

/** The output flags both commands take. */
export interface OutputFlags {
  out?: string;
  outIndent?: number;
  outFile?: string;
  outFileAppend: boolean;
  forceColor: boolean;
  noColor: boolean;
}

/** Where results go: stdout, or `--out-file` (truncated, or appended with `--out-file-append`). */
export interface OutputSink {
  write(text: string): void;
  close(): void;
  readonly isTerminal: boolean;
}

export function openOutputSink(stdout: NodeJS.WriteStream, outFile?: string, shouldAppend = false): OutputSink {
  if (outFile === undefined) {
    return { write: (text) => void stdout.write(text), close() {}, isTerminal: stdout.isTTY === true };
  }
  let fd: number;
  try {
    fd = openSync(outFile, shouldAppend ? 'a' : 'w', 0o644);
  } catch (err) {
    throw new BrineError('EOUTFILE', `--out-file: cannot write ${outFile}: ${(err as Error).message}`, {
      exitCode: ExitCode.IO,
    });
  }
  return {
    write: (text) => void writeSync(fd, text),
    close: () => closeSync(fd),
    isTerminal: false,
  };
}

/** Colour is on for a terminal unless NO_COLOR or --no-color; --force-color wins. */
export function shouldColor(flags: { forceColor: boolean; noColor: boolean }, sink: OutputSink, env: NodeJS.ProcessEnv): boolean {
  if (flags.forceColor) return true;
  if (flags.noColor || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  return sink.isTerminal;
}

/** salt's -v banner: the message, a dash line as long as it, then two empty lines. */
export function verboseBanner(jid: string): string {
  const message = `Executing job with jid ${jid}`;
  return `${message}\n${'-'.repeat(message.length)}\n\n\n`;
}
