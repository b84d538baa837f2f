import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { BrineError, ExitCode, UsageError } from '../errors.js';

/**
 * `--askpass`: prompts once on the terminal without echo. Ctrl-C (raw mode turns it into readline's
 * SIGINT, not a signal) or Ctrl-D before a line is an interruption, exit 130, not a wait that never ends.
 */
export async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('--askpass: no terminal to prompt on (stdin is not a TTY)');
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  // Prompt once the terminal is raw, so a Ctrl-C typed at the prompt reaches readline, not the kernel.
  process.stderr.write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      const interrupted = () => reject(new BrineError('EINTR', '--askpass: interrupted at the password prompt', { exitCode: ExitCode.INTERRUPTED }));
      rl.once('line', resolve).once('SIGINT', interrupted).once('close', interrupted);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
