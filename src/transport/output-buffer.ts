/** Default cap per host per stream: with stdout and stderr both full, a return still fits MySQL's 16 MiB mediumtext. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Of the cap, the end of the output kept after the cut: where errors and summaries usually are. */
const MAX_TAIL_BYTES = 64 * 1024;

/** The line put where output was cut, naming how many bytes were dropped (documented in the README). */
export function truncationMarker(droppedBytes: number): string {
  return `[brine: output truncated: ${droppedBytes} bytes dropped]`;
}

/** One stream's output, kept up to `maxBytes` while it streams: the first bytes plus the last few KiB. */
export interface OutputBuffer {
  push(chunk: Buffer): void;
  /** The kept text (UTF-8, invalid bytes replaced); a cut shows as the marker line between head and tail. */
  text(): string;
}

export function createOutputBuffer(maxBytes = DEFAULT_MAX_OUTPUT_BYTES): OutputBuffer {
  const tailLimit = Math.min(MAX_TAIL_BYTES, Math.floor(maxBytes / 4));
  const headLimit = maxBytes - tailLimit;
  const head: Buffer[] = [];
  let headBytes = 0;
  // Chunks that may still be part of the tail; older ones are dropped once the tail is full without them.
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let total = 0;

  return {
    push(chunk) {
      total += chunk.length;
      let rest = chunk;
      if (headBytes < headLimit) {
        const taken = rest.subarray(0, headLimit - headBytes);
        // A copy, so a kept slice does not pin a whole pooled chunk.
        head.push(Buffer.from(taken));
        headBytes += taken.length;
        rest = rest.subarray(taken.length);
      }
      if (rest.length === 0 || tailLimit === 0) return;
      tail.push(Buffer.from(rest.subarray(Math.max(0, rest.length - tailLimit))));
      tailBytes += Math.min(rest.length, tailLimit);
      while (tail.length > 1 && tailBytes - (tail[0]?.length ?? 0) >= tailLimit) tailBytes -= tail.shift()?.length ?? 0;
    },
    text() {
      const kept = Buffer.concat(head);
      if (total <= maxBytes) return Buffer.concat([kept, ...tail]).toString('utf8');
      const headText = kept.subarray(0, utf8Boundary(kept, kept.length));
      const tailAll = Buffer.concat(tail);
      let tailText = tailAll.subarray(tailAll.length - tailLimit);
      tailText = tailText.subarray(firstCharStart(tailText));
      const dropped = total - headText.length - tailText.length;
      const marker = `${headText.length > 0 && headText[headText.length - 1] !== 0x0a ? '\n' : ''}${truncationMarker(dropped)}\n`;
      return headText.toString('utf8') + marker + tailText.toString('utf8');
    },
  };
}

/** The largest length <= `end` that does not split a UTF-8 sequence at its end. */
function utf8Boundary(bytes: Buffer, end: number): number {
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  let start = end;
  while (start > 0 && end - start < 4 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80) start--;
  if (start === 0) return end;
  const lead = bytes[start - 1] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (start - 1) >= need ? end : start - 1;
}

/** Skips continuation bytes at the start: the cut fell inside a character. */
function firstCharStart(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && i < 3 && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}
