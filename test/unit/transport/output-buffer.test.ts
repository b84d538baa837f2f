import { describe, expect, it } from 'vitest';
import { createOutputBuffer, DEFAULT_MAX_OUTPUT_BYTES, truncationMarker } from '../../../src/transport/output-buffer.js';

const chunks = (text: Buffer, size: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.subarray(i, i + size));
  return out;
};

describe('output buffer', () => {
  it('keeps output up to the cap unchanged, whatever the chunking', () => {
    const text = Buffer.from('héllo wörld\n'.repeat(100));
    for (const size of [1, 3, 7, 4096]) {
      const buffer = createOutputBuffer(text.length);
      for (const chunk of chunks(text, size)) buffer.push(chunk);
      expect(buffer.text()).toBe(text.toString('utf8'));
    }
    expect(DEFAULT_MAX_OUTPUT_BYTES).toBe(1024 * 1024);
  });

  it('keeps the head and the tail of a long stream and names the bytes dropped in a marker line', () => {
    const buffer = createOutputBuffer(400);
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join('');
    for (const chunk of chunks(Buffer.from(lines), 37)) buffer.push(chunk);
    const text = buffer.text();
    // 400 bytes: 300 of head, 100 of tail.
    const [head, tail] = text.split(/\[brine: output truncated: \d+ bytes dropped\]\n/) as [string, string];
    expect(head).toBe(lines.slice(0, 300));
    expect(tail).toBe(lines.slice(-100));
    expect(text).toContain(truncationMarker(lines.length - 400));
  });

  it('never splits a UTF-8 character at either cut, and counts the bytes it drops for that', () => {
    const euro = Buffer.from('€'.repeat(1000)); // 3 bytes each
    const buffer = createOutputBuffer(100); // head 75, tail 25: both fall inside a character
    for (const chunk of chunks(euro, 10)) buffer.push(chunk);
    const text = buffer.text();
    expect(text).not.toContain('\ufffd');
    const match = /^(€+)\n\[brine: output truncated: (\d+) bytes dropped\]\n(€+)$/.exec(text);
    expect(match).not.toBeNull();
    const [, head = '', dropped = '', tail = ''] = match ?? [];
    expect(head.length).toBe(25);
    expect(tail.length).toBe(8);
    expect(Number(dropped)).toBe(euro.length - 3 * (25 + 8));
  });

  it('decodes binary output without throwing', () => {
    const buffer = createOutputBuffer(64);
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
    buffer.push(bytes);
    expect(buffer.text()).toMatch(/\n\[brine: output truncated: 9[34]\d bytes dropped\]\n/);
  });
});
