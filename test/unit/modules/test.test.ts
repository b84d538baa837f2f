import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_JID, runLocal } from './run-local.js';

describe('test module', () => {
  it('test.ping runs a command on the host and returns True', async () => {
    const res = await runLocal('test.ping');
    expect(res.command.command).toBe('true');
    expect(res).toMatchObject({ return: true, retcode: 0 });
  });

  it('test.ping rejects positional arguments with salt\'s message', async () => {
    await expect(runLocal('test.ping', ['foo'])).rejects.toThrow(
      'Passed invalid arguments: ping() takes 0 positional arguments but 1 was given.',
    );
  });

  it('test.echo returns the text after a round trip through the host shell', async () => {
    const text = "it's \"quoted\" $HOME `id` \\ back\nslash  spaces";
    const res = await runLocal('test.echo', [text]);
    expect(res).toMatchObject({ return: text, retcode: 0 });
    expect((await runLocal('test.echo', [42])).return).toBe(42);
  });

  it('test.version returns brine\'s package.json version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await runLocal('test.version')).return).toBe(pkg.version);
  });

  it('test.arg echoes args and kwargs with the __pub_ keys in salt\'s order', async () => {
    const res = await runLocal('test.arg', [1, 'two'], { a: 3, b: { x: 1 } });
    const ret = res.return as { args: unknown[]; kwargs: Record<string, unknown> };
    expect(ret.args).toEqual([1, 'two']);
    expect(Object.keys(ret.kwargs)).toEqual(['a', 'b', '__pub_fun', '__pub_pid', '__pub_jid', '__pub_tgt']);
    expect(ret.kwargs).toMatchObject({ a: 3, b: { x: 1 }, __pub_fun: 'test.arg', __pub_jid: TEST_JID, __pub_tgt: 'salt-call' });
    expect(ret.kwargs['__pub_pid']).toBeGreaterThan(1);
    expect(ret.kwargs['__pub_pid']).not.toBe(process.pid);
  });
});
