import { closeSync, openSync, writeSync } from 'node:fs';
import { BrineError, ExitCode, describeError } from '../errors.js';

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
  /** Writes, or does nothing once a write has failed: the job goes on without its output. */
  write(text: string): void;
  close(): void;
  readonly isTerminal: boolean;
  /** The first write or close error (exit 74); undefined while output works, and when stdout's reader left (EPIPE). */
  readonly failure: BrineError | undefined;
}

/**
 * With `isDeferringErrors` a failed write stops the output and is kept in `failure` for the caller to
 * report once the job has ended; without it the write throws it.
 */
export function openOutputSink(stdout: NodeJS.WriteStream, outFile?: string, shouldAppend = false, isDeferringErrors = false): OutputSink {
  const sink = outFile === undefined ? stdoutSink(stdout) : fileSink(outFile, shouldAppend);
  if (isDeferringErrors) return sink;
  return {
    write(text) {
      sink.write(text);
      if (sink.failure !== undefined) throw sink.failure;
    },
    close: () => sink.close(),
    isTerminal: sink.isTerminal,
    get failure() {
      return sink.failure;
    },
  };
}

/**
 * A closed pipe (`salt-ssh … | head -1`) is not an error: like any Unix filter whose reader left, brine
 * stops printing quietly, while the job still runs to its end and commits every return.
 */
function stdoutSink(stdout: NodeJS.WriteStream): OutputSink {
  let failure: BrineError | undefined;
  let isStopped = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (isStopped) return;
    isStopped = true;
    if (err.code !== 'EPIPE') failure = ioError(`cannot write to stdout: ${describeError(err)}`, err);
  };
  // oclif rethrows any stdout error but EPIPE as an uncaught exception: while open, the sink owns them.
  const others = stdout.listeners('error') as Array<(err: Error) => void>;
  stdout.removeAllListeners('error').on('error', onError);
  return {
    write(text) {
      if (isStopped) return;
      try {
        stdout.write(text);
      } catch (err) {
        onError(err as NodeJS.ErrnoException);
      }
    },
    close() {
      stdout.off('error', onError);
      for (const listener of others) if (!stdout.listeners('error').includes(listener)) stdout.on('error', listener);
    },
    isTerminal: stdout.isTTY === true,
    get failure() {
      return failure;
    },
  };
}

function fileSink(outFile: string, shouldAppend: boolean): OutputSink {
  let fd: number | undefined;
  try {
    fd = openSync(outFile, shouldAppend ? 'a' : 'w', 0o644);
  } catch (err) {
    throw ioError(`cannot write --out-file ${outFile}: ${describeError(err)}`, err);
  }
  let failure: BrineError | undefined;
  const fail = (err: unknown) => {
    failure ??= ioError(`cannot write --out-file ${outFile}: ${describeError(err)}`, err);
  };
  return {
    write(text) {
      if (fd === undefined || failure !== undefined) return;
      try {
        // writeSync may write part of the buffer (a filling disk); the rest is retried until it throws.
        const bytes = Buffer.from(text);
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      } catch (err) {
        fail(err);
      }
    },
    close() {
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } catch (err) {
        fail(err);
      }
      fd = undefined;
    },
    isTerminal: false,
    get failure() {
      return failure;
    },
  };
}

function ioError(message: string, cause: unknown): BrineError {
  return new BrineError('EOUTFILE', message, { exitCode: ExitCode.IO, cause });
}
