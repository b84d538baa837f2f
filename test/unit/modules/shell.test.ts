import { describe, expect, it } from 'vitest';
import { bindArgs } from '../../../src/modules/args.js';
import { shellQuote } from '../../../src/modules/shell.js';
import { pythonRepr as pyRepr, pyStr } from '../../../src/salt/python.js';
import { ArgumentError } from '../../../src/modules/types.js';
import { localTransport } from '../../../src/transport/local.js';
import { fakeTarget, runLocal } from './run-local.js';

const NASTY = ["it's", '"double"', '$HOME $(id) `id`', 'two  spaces', 'new\nline', 'back\\slash', '', '-n', '*', 'ünï €'];

describe('shellQuote', () => {
  it('passes every word through /bin/sh literally', async () => {
    const session = await localTransport.connect(fakeTarget(), { hostKeys: { mode: 'none', knownHostsFile: '' } });
    const res = await session.exec(`printf '%s\\0' ${NASTY.map(shellQuote).join(' ')}`, { timeoutMs: 10_000 });
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(NASTY);
  });

  it('leaves safe words bare and refuses NUL bytes', () => {
    expect(shellQuote('/usr/bin/env')).toBe('/usr/bin/env');
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(() => shellQuote('a\0b')).toThrow(ArgumentError);
  });

  it('cmd.run runs printf with nasty arguments literally', async () => {
    const cmd = `printf '%s|' ${NASTY.map(shellQuote).join(' ')}`;
    const res = await runLocal('cmd.run', [cmd]);
    expect(res.return).toBe(`${NASTY.join('|')}|`);
  });
});

describe('pyStr / pyRepr', () => {
  it('stringifies YAML-loaded values the Python way', () => {
    expect([true, false, null, 1, 1.5, 'x'].map(pyStr)).toEqual(['True', 'False', 'None', '1', '1.5', 'x']);
    expect(pyStr({ a: [1, 'b', null], "it's": true })).toBe(`{'a': [1, 'b', None], "it's": True}`);
    expect(pyRepr('x')).toBe("'x'");
    // one repr for arguments and outputters: Python writes small floats with a two-digit exponent
    expect(pyStr([1e-7, 1e-5, 0.1])).toBe('[1e-07, 1e-05, 0.1]');
  });
});

describe('bindArgs', () => {
  const call = (args: unknown[], kwargs: Record<string, unknown> = {}) => ({ fun: 'grains.get', args, kwargs, jid: '1', target: fakeTarget() });

  it('words Python\'s positional errors', () => {
    expect(() => bindArgs(call([1, 2, 3]), { params: ['key', 'default'], required: 1 })).toThrow(
      'Passed invalid arguments: get() takes from 1 to 2 positional arguments but 3 were given.',
    );
    expect(() => bindArgs(call([1, 2]), { params: ['key'], required: 1 })).toThrow(
      'get() takes 1 positional argument but 2 were given.',
    );
  });

  it('binds positionals, keywords, *args and **kwargs', () => {
    const bound = bindArgs(call([1, 2, 3], { delimiter: '|', other: 4 }), { params: ['key'], varargs: true, keywords: ['delimiter'], varkw: true });
    expect(bound).toEqual({ values: { key: 1, delimiter: '|' }, rest: [2, 3], extra: { other: 4 } });
  });
});
