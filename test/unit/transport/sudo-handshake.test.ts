import { describe, expect, it } from 'vitest';
import { createExecOutput } from '../../../src/transport/exec-output.js';
import { startSudoHandshake } from '../../../src/transport/sudo-handshake.js';

const sudo = { password: 'pw', prompt: '[brine-sudo-prompt:n]', ready: '[brine-sudo-ready:n]' };

function run(stream: Buffer, chunkSize: number) {
  const calls: string[] = [];
  const handshake = startSudoHandshake(sudo, {
    answer: (line) => calls.push(`answer ${line}`),
    start: () => calls.push('start'),
    giveUp: () => calls.push('giveUp'),
  });
  const passed: Buffer[] = [];
  let passedBeforeStart = 0;
  for (let i = 0; i < stream.length; i += chunkSize) {
    const out = handshake.feed(stream.subarray(i, i + chunkSize));
    if (!handshake.hasStarted()) passedBeforeStart += out.length;
    passed.push(out);
  }
  passed.push(handshake.flush());
  return { calls, text: Buffer.concat(passed).toString('latin1'), passedBeforeStart, handshake };
}

describe('sudo handshake', () => {
  it('answers the prompt, drops the markers and passes what follows the ready marker', () => {
    const stream = Buffer.from(`${sudo.prompt}\r\nlecture\n${sudo.ready}out\n`);
    for (const size of [1, 5, 4096]) {
      const { calls, text } = run(stream, size);
      expect(calls).toEqual(['answer pw\n', 'start']);
      expect(text).toBe('lecture\nout\n');
    }
  });

  it('does not hold an endless stream that never reaches the ready marker', () => {
    const junk = Buffer.alloc(4 * 1024 * 1024, 'x');
    const { text, passedBeforeStart, handshake } = run(junk, 32 * 1024);
    expect(handshake.hasStarted()).toBe(false);
    expect(passedBeforeStart).toBeGreaterThan(junk.length - 128 * 1024);
    expect(text).toBe(junk.toString('latin1'));
  });

  it('finds prompts and the ready marker across the passed-on front, whatever the chunking', () => {
    const big = 'y'.repeat(100 * 1024);
    const stream = Buffer.from(`${big}${sudo.prompt}\r\n${big}${sudo.ready}out\n`);
    for (const size of [7, 1000, 64 * 1024 + 3]) {
      const { calls, text } = run(stream, size);
      expect(calls).toEqual(['answer pw\n', 'start']);
      expect(text).toBe(`${big}${big}out\n`);
    }
  });

  it('gives up once on a host that repeats the prompt without end and passes no prompt on', () => {
    const stream = Buffer.from(`${sudo.prompt}\n`.repeat(20_000));
    const { calls, text, passedBeforeStart } = run(stream, 4096);
    expect(calls).toEqual(['answer pw\n', 'giveUp']);
    expect(text).toBe('');
    expect(passedBeforeStart).toBe(0);
  });

  it('applies the output cap to what the handshake passes on', () => {
    const output = createExecOutput(
      { sudo, timeoutMs: 1000, maxOutputBytes: 1024 },
      { sendStdin: () => {}, write: () => {}, giveUp: () => {} },
    );
    output.begin();
    for (let i = 0; i < 64; i++) output.stderr(Buffer.alloc(16 * 1024, 'z'));
    const result = output.result({ exitCode: 1, timedOut: false });
    expect(result.stderr.length).toBeLessThan(1200);
    expect(result.stderr).toContain('[brine: output truncated:');
  });
});
