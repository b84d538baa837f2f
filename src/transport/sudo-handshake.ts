import type { SudoConversation } from './types.js';

/** What the handshake asks of the transport. */
export interface SudoReplies {
  /** Write to the command's stdin (the password line). */
  answer(line: string): void;
  /** sudo let the command run: its own stdin may go now. */
  start(): void;
  /** sudo asked again: the password was wrong; stop it rather than answer twice. */
  giveUp(): void;
}

export interface SudoHandshake {
  /** Takes one chunk of the stream sudo talks on; returns what belongs to the output (nothing until the command starts). */
  feed(chunk: Buffer): Buffer;
  /** sudo's held words, markers removed, when the stream ended before the command started. */
  flush(): Buffer;
  hasStarted(): boolean;
  isRejected(): boolean;
}

const NOTHING = Buffer.alloc(0);

export function startSudoHandshake(sudo: SudoConversation, replies: SudoReplies): SudoHandshake {
  // latin1 maps bytes to chars one to one, so the held bytes survive the round trip unchanged.
  let held = '';
  let scanFrom = 0;
  let prompts = 0;
  let hasStarted = false;
  let isRejected = false;
  // sudo ends its prompt line with a newline once it has read the password (over a pty).
  const withoutPrompts = (text: string) =>
    text
      .split(sudo.prompt)
      .map((part, i) => (i === 0 ? part : part.replace(/^\r?\n/, '')))
      .join('');

  return {
    feed(chunk) {
      if (hasStarted) return chunk;
      held += chunk.toString('latin1');
      for (let at = held.indexOf(sudo.prompt, scanFrom); at !== -1; at = held.indexOf(sudo.prompt, scanFrom)) {
        scanFrom = at + sudo.prompt.length;
        prompts++;
        if (prompts === 1) replies.answer(`${sudo.password}\n`);
        else if (!isRejected) {
          isRejected = true;
          replies.giveUp();
        }
      }
      const ready = held.indexOf(sudo.ready, scanFrom);
      if (ready === -1) return NOTHING;
      hasStarted = true;
      const text = withoutPrompts(held.slice(0, ready)) + held.slice(ready + sudo.ready.length);
      held = '';
      replies.start();
      return Buffer.from(text, 'latin1');
    },
    flush() {
      if (hasStarted) return NOTHING;
      const text = withoutPrompts(held);
      held = '';
      return Buffer.from(text, 'latin1');
    },
    hasStarted: () => hasStarted,
    isRejected: () => isRejected,
  };
}
