import { existsSync } from 'node:fs';
import { chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFunction } from '../../../src/modules/registry.js';
import { shellQuote } from '../../../src/modules/shell.js';
import { localTransport } from '../../../src/transport/local.js';
import { fakeTarget, runLocal, TEST_JID } from './run-local.js';

let dir = '';
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "brine-cmd d'ir $x-")));
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

describe('cmd.run', () => {
  it('merges stderr into stdout in order and strips the trailing newline', async () => {
    const res = await runLocal('cmd.run', ['echo out; echo err >&2; echo out2; exit 3']);
    expect(res.return).toBe('out\nerr\nout2');
    expect(res.retcode).toBe(3);
  });

  it('runs a YAML false as the command False, as salt does', async () => {
    const res = await runLocal('cmd.run_all', [false]);
    expect(res.retcode).toBe(127);
    expect((res.return as { stderr: string }).stderr).toMatch(/False: (command )?not found/);
  });

  it('honours cwd, even with quotes, $ and spaces in the path', async () => {
    const res = await runLocal('cmd.run', ['pwd'], { cwd: dir });
    expect(res.return).toBe(dir);
    expect(res.retcode).toBe(0);
  });

  it('fails on a cwd that does not exist with salt\'s text', async () => {
    const res = await runLocal('cmd.run', ['pwd'], { cwd: `${dir}/nope` });
    expect(res.return).toBe(`Specified cwd '${dir}/nope' either not absolute or does not exist`);
    expect(res.retcode).toBe(1);
  });

  it('sets env from a dict and from a JSON string, values passed literally', async () => {
    const tricky = "a'b \"c\" $HOME `id`\nline2";
    const res = await runLocal('cmd.run', ['printf "%s|%s" "$V" "$W"'], { env: { V: tricky, W: false } });
    expect(res.return).toBe(`${tricky}|False`);
    const fromJson = await runLocal('cmd.run', ['echo "$X"'], { env: '{"X": "from json"}' });
    expect(fromJson.return).toBe('from json');
  });

  it('feeds the stdin kwarg to the command', async () => {
    const res = await runLocal('cmd.run', ['tr a-z A-Z'], { stdin: 'hello\nworld' });
    expect(res.return).toBe('HELLO\nWORLD');
  });

  it('uses the shell kwarg', async () => {
    const res = await runLocal('cmd.run', ['echo "$0"'], { shell: '/bin/bash' });
    expect(res.return).toBe('/bin/bash');
  });

  it.runIf(isRoot)('runs as another user with runas (su when root), with env and cwd', async () => {
    const res = await runLocal('cmd.run', ['echo "$(id -un) $V $(pwd)"'], { runas: 'nobody', env: { V: 'x y' }, cwd: '/tmp' });
    expect(res.return).toBe('nobody x y /tmp');
    expect(res.retcode).toBe(0);
  });

  it('reports a runas user that does not exist', async () => {
    const res = await runLocal('cmd.run', ['id'], { runas: 'brine-no-such-user' });
    expect(res.return).toBe("User 'brine-no-such-user' is not available");
    expect(res.retcode).toBe(1);
  });

  it('kills a command on timeout= and returns salt\'s text without waiting for it', async () => {
    const started = Date.now();
    const res = await runLocal('cmd.run', ['sleep 30; echo done'], { timeout: 1 });
    expect(res.return).toBe('sleep 30; echo done : Timed out after 1 seconds');
    expect(res.retcode).toBe(1);
    // the channel closes on time only if the orphaned sleep was killed on the host as well
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('ignore_retcode makes the retcode 0 but keeps the output', async () => {
    const res = await runLocal('cmd.run', ['echo x; exit 5'], { ignore_retcode: true });
    expect(res).toMatchObject({ return: 'x', retcode: 0 });
  });

  it('accepts salt\'s cosmetic kwargs and hide_output', async () => {
    const res = await runLocal('cmd.run', ['echo secret'], { python_shell: true, output_loglevel: 'quiet', hide_output: true });
    expect(res).toMatchObject({ return: '', retcode: 0 });
  });
});

describe('cmd.run_all / cmd.retcode / cmd.shell', () => {
  it('returns {pid, retcode, stdout, stderr} in salt\'s key order', async () => {
    const res = await runLocal('cmd.run_all', ['echo out; echo err >&2; exit 3']);
    const ret = res.return as Record<string, unknown>;
    expect(Object.keys(ret)).toEqual(['pid', 'retcode', 'stdout', 'stderr']);
    expect(ret).toMatchObject({ retcode: 3, stdout: 'out', stderr: 'err' });
    expect(ret['pid']).toBeGreaterThan(1);
    expect(res.retcode).toBe(3);
  });

  it('reports the remote shell pid', async () => {
    const res = await runLocal('cmd.run_all', ['echo $PPID']);
    const ret = res.return as { pid: number; stdout: string };
    // the command runs in a subshell of the shell that printed its pid
    expect(Number(ret.stdout)).toBe(ret.pid);
  });

  it('returns the timeout shape in salt\'s other key order', async () => {
    const res = await runLocal('cmd.run_all', ['sleep 30'], { timeout: 1 });
    const ret = res.return as Record<string, unknown>;
    expect(Object.keys(ret)).toEqual(['stdout', 'stderr', 'retcode', 'pid']);
    expect(ret).toMatchObject({ stdout: 'sleep 30 : Timed out after 1 seconds', stderr: '', retcode: 1 });
  });

  it('cmd.retcode returns the exit status as an int', async () => {
    const res = await runLocal('cmd.retcode', ['echo noise; exit 7']);
    expect(res).toMatchObject({ return: 7, retcode: 7 });
    expect((await runLocal('cmd.retcode', ['true'])).return).toBe(0);
  });

  it('cmd.shell behaves as cmd.run', async () => {
    const res = await runLocal('cmd.shell', ['echo a | tr a b']);
    expect(res).toMatchObject({ return: 'b', retcode: 0 });
  });
});

describe('under the caller\'s sudo wrapper', () => {
  it.runIf(isRoot)('run_all and script still work inside sudo -n sh -c', async () => {
    const script = join(dir, 'wrapped.sh');
    await writeFile(script, '#!/bin/sh\necho "in $1"\n');
    for (const [fun, args] of [['cmd.run_all', ["echo \"it's\" $((1+2))"]], ['cmd.script', [script, 'x']]] as const) {
      const fn = await loadFunction(fun);
      const call = { fun, args: [...args], kwargs: { cwd: '/tmp' }, jid: TEST_JID, target: fakeTarget() };
      const command = await fn.prepare(call);
      const session = await localTransport.connect(call.target, { hostKeys: { mode: 'none', knownHostsFile: '' } });
      const exec = await session.exec(`sudo -n sh -c ${shellQuote(command.command)}`, {
        ...(command.stdin === undefined ? {} : { stdin: command.stdin }),
        timeoutMs: 10_000,
      });
      const ret = fn.parse(exec, call).return as { retcode: number; stdout: string };
      expect(ret).toMatchObject({ retcode: 0, stdout: fun === 'cmd.script' ? 'in x' : "it's 3" });
    }
  });
});

describe('runas from a non-root account', () => {
  it.runIf(isRoot)('goes through sudo -n -u, whose refusal is reported', async () => {
    const fn = await loadFunction('cmd.run');
    const call = { fun: 'cmd.run', args: ['id -un'], kwargs: { runas: 'root' }, jid: TEST_JID, target: fakeTarget() };
    const command = await fn.prepare(call);
    const session = await localTransport.connect(call.target, { hostKeys: { mode: 'none', knownHostsFile: '' } });
    const exec = await session.exec(`cd /tmp && su -s /bin/sh nobody -c ${shellQuote(command.command)}`, { timeoutMs: 10_000 });
    const res = fn.parse(exec, call);
    expect(res.return).toMatch(/^sudo: /);
    expect(res.retcode).toBe(1);
  });
});

describe('cmd.script', () => {
  it('uploads a local script, runs it with args in cwd, removes it afterwards', async () => {
    const script = join(dir, 'script.sh');
    await writeFile(script, '#!/bin/sh\necho "$0"\necho "args:$#:$1:$2"\npwd\necho err >&2\nexit 3\n');
    const res = await runLocal('cmd.script', [script, 'a "b c"'], { cwd: '/tmp' });
    const ret = res.return as { pid: number; retcode: number; stdout: string; stderr: string };
    const [remotePath, args, cwd] = ret.stdout.split('\n');
    expect(args).toBe('args:2:a:b c');
    expect(cwd).toBe('/tmp');
    expect(ret).toMatchObject({ retcode: 3, stderr: 'err' });
    expect(res.retcode).toBe(3);
    expect(remotePath).toMatch(/brine-script\./);
    expect(existsSync(remotePath ?? '')).toBe(false);
  });

  it('passes a list of args one word each and the stdin kwarg to the script', async () => {
    const script = join(dir, 'cat.sh');
    await writeFile(script, '#!/bin/sh\nprintf "%s|" "$@"\ncat\n');
    const res = await runLocal('cmd.script', [script, ["it's", '$x y']], { stdin: 'from stdin' });
    expect((res.return as { stdout: string }).stdout).toBe("it's|$x y|from stdin");
  });

  it.runIf(isRoot)('runs the script as the runas user', async () => {
    const script = join(dir, 'who.sh');
    await writeFile(script, '#!/bin/sh\nid -un\n');
    const res = await runLocal('cmd.script', [script], { runas: 'nobody' });
    expect(res.return).toMatchObject({ retcode: 0, stdout: 'nobody' });
  });

  it('times out a script', async () => {
    const script = join(dir, 'slow.sh');
    await writeFile(script, '#!/bin/sh\nsleep 30\n');
    const res = await runLocal('cmd.script', [script], { timeout: 1 });
    expect(res.return).toMatchObject({ stdout: `${script} : Timed out after 1 seconds`, retcode: 1 });
  });

  it('refuses a missing file and salt:// sources before contacting the host', async () => {
    await expect(runLocal('cmd.script', [join(dir, 'missing.sh')])).rejects.toThrow(
      `cmd.script: source file '${join(dir, 'missing.sh')}' does not exist`,
    );
    await expect(runLocal('cmd.script', ['salt://scripts/x.sh'])).rejects.toThrow(/salt:\/\/scripts\/x.sh' is not supported/);
  });
});

describe('cmd argument errors', () => {
  it('rejects a missing cmd, extra positionals, unknown kwargs and bad values', async () => {
    await expect(runLocal('cmd.run')).rejects.toThrow("cmd.run: missing required argument 'cmd'");
    await expect(runLocal('cmd.run', ['ls', '/tmp'])).rejects.toThrow(
      'Passed invalid arguments: run() takes 1 positional argument but 2 were given.',
    );
    await expect(runLocal('cmd.run', ['ls'], { foo: 1 })).rejects.toThrow("cmd.run: unknown keyword argument 'foo'");
    await expect(runLocal('cmd.run', ['ls'], { cmd: 'ls' })).rejects.toThrow("got multiple values for argument 'cmd'");
    await expect(runLocal('cmd.run', ['ls'], { timeout: 'soon' })).rejects.toThrow(/timeout must be a positive number/);
    await expect(runLocal('cmd.run', ['ls'], { env: '[1, 2]' })).rejects.toThrow(/env must be a dict/);
    await expect(runLocal('cmd.run', ['ls'], { cwd: 'relative' })).rejects.toThrow(/not an absolute path/);
    await expect(runLocal('cmd.run', ['ls'], { runas: 'a b' })).rejects.toThrow(/not a valid user name/);
  });

  it('accepts cmd as a keyword', async () => {
    expect((await runLocal('cmd.run', [], { cmd: 'echo kw' })).return).toBe('kw');
  });
});
