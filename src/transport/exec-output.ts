import { createOutputBuffer } from './output-buffer.js';
import { startSudoHandshake } from './sudo-handshake.js';
import type { ExecOptions, ExecResult } from './types.js';

/** How the output side reaches back into the running command. */
export interface CommandInput {
  /** Sends the command's own stdin (and ends it where the transport can). */
  sendStdin(): void;
  /** Writes to stdin without ending it (the sudo password line). */
  write(data: string): void;
  /** sudo asked for the password twice: make it give up. */
  giveUp(): void;
}

export interface ExitStatus {
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  connectionLost?: boolean;
}

/** One command's output, shared by the transports: capped per stream, with the sudo handshake on the stream sudo talks on. */
export interface ExecOutput {
  /** Sends stdin now, or holds it until sudo has let the command start. */
  begin(): void;
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  result(status: ExitStatus): ExecResult;
}

export function createExecOutput(options: ExecOptions, input: CommandInput): ExecOutput {
  const stdout = createOutputBuffer(options.maxOutputBytes);
  const stderr = createOutputBuffer(options.maxOutputBytes);
  const handshake =
    options.sudo === undefined
      ? undefined
      : startSudoHandshake(options.sudo, {
          answer: (line) => input.write(line),
          start: () => input.sendStdin(),
          giveUp: () => input.giveUp(),
        });
  // sudo -S prompts on stderr; over a pty everything is one stream, stdout.
  const sudoStream = options.pty ? stdout : stderr;
  const feed = (buffer: typeof stdout, chunk: Buffer) => {
    if (handshake === undefined || buffer !== sudoStream) return buffer.push(chunk);
    const passed = handshake.feed(chunk);
    if (passed.length > 0) buffer.push(passed);
  };
  return {
    begin() {
      if (handshake === undefined) input.sendStdin();
    },
    stdout: (chunk) => feed(stdout, chunk),
    stderr: (chunk) => feed(stderr, chunk),
    result(status) {
      if (handshake !== undefined && !handshake.hasStarted()) sudoStream.push(handshake.flush());
      const result: ExecResult = {
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: status.exitCode,
        timedOut: status.timedOut,
      };
      if (status.signal !== undefined) result.signal = status.signal;
      if (handshake?.isRejected()) result.sudoRejected = true;
      if (status.connectionLost) result.connectionLost = true;
      return result;
    },
  };
}
