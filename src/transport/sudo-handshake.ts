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
  /**
   * Takes one chunk of the stream sudo talks on; returns what belongs to the output: nothing until the command
   * starts, unless the words before it outgrow MAX_HELD_CHARS, whose settled front is then passed on.
   */
  feed(chunk: Buffer): Buffer;
  /** sudo's held words, markers removed, when the stream ended before the command started. */
  flush(): Buffer;
  hasStarted(): boolean;
  isRejected(): boolean;
}

const NOTHING = Buffer.alloc(0);
/** sudo's own words are a few lines; a host that writes more before the ready marker has the excess passed on to the capped output. */
const MAX_HELD_CHARS = 64 * 1024;

export function startSudoHandshake(sudo: SudoConversation, replies: SudoReplies): SudoHandshake {
  // latin1 maps bytes to chars one to one, so the held bytes survive the round trip unchanged.
  let held = '';
  let scanFrom = 0;
  let prompts = 0;
  let lastPromptAt = -1;
  let hasStarted = false;
  let isRejected = false;
  // sudo ends its prompt line with a newline once it has read the password (over a pty).
  const withoutPrompts = (text: string) =>
    text
      .split(sudo.prompt)
      .map((part, i) => (i === 0 ? part : part.replace(/^\r?\n/, '')))
      .join('');
  /** The front of an overgrown `held` that no later prompt, newline after a prompt, or ready marker can reach into. */
  const release = (): Buffer => {
    if (held.length <= MAX_HELD_CHARS) return NOTHING;
    let cut = held.length - Math.max(sudo.prompt.length + 2, sudo.ready.length);
    // The last prompt's newline may still be on its way: cut before that prompt instead.
    if (cut < scanFrom + 2) cut = lastPromptAt;
    if (cut <= 0) return NOTHING;
    const text = withoutPrompts(held.slice(0, cut));
    held = held.slice(cut);
    scanFrom = Math.max(0, scanFrom - cut);
    lastPromptAt -= cut;
    return Buffer.from(text, 'latin1');
  };

  return {
    feed(chunk) {
      if (hasStarted) return chunk;
      held += chunk.toString('latin1');
      // Earlier feeds searched the rest: a new marker ends in this chunk.
      const newFrom = (marker: string) => Math.max(scanFrom, held.length - chunk.length - marker.length + 1);
      for (let at = held.indexOf(sudo.prompt, newFrom(sudo.prompt)); at !== -1; at = held.indexOf(sudo.prompt, scanFrom)) {
        lastPromptAt = at;
        scanFrom = at + sudo.prompt.length;
        prompts++;
        if (prompts === 1) replies.answer(`${sudo.password}\n`);
        else if (!isRejected) {
          isRejected = true;
          replies.giveUp();
        }
      }
      const ready = held.indexOf(sudo.ready, newFrom(sudo.ready));
      if (ready === -1) return release();
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
