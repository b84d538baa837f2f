import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../errors.js';

/** `--askpass`: prompts once on the terminal without echo. */
export async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('--askpass: no terminal to prompt on (stdin is not a TTY)');
  process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.once('line', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
