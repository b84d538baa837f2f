import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { funArgs, parseFunctionArgs, yamlifyArg } from '../../../src/job/args.js';
import { jobExitCode } from '../../../src/job/exit-code.js';
import { wrapForSudo } from '../../../src/job/host.js';
import { verboseBanner } from '../../../src/display/display.js';
import { createProgress } from '../../../src/run/progress.js';
import type { HostReturn } from '../../../src/core/job.js';
import type { HostTarget } from '../../../src/transport/types.js';

const target = (overrides: Partial<HostTarget> = {}): HostTarget => ({
  id: 'web1', host: '127.0.0.1', port: 22, user: 'deploy', sudo: false, tty: false,
  connectTimeoutSec: 10, identitiesOnly: false, connection: 'ssh', ...overrides,
});

const ret = (id: string, retcode: number, success = retcode === 0): HostReturn => ({
  id, jid: '20261129043301123456', fun: 'test.ping', fun_args: [], return: true, retcode, success, _stamp: '',
});

describe('salt CLI argument parsing', () => {
  it('YAML-loads values as salt does, keeping strings and long integers as text', () => {
    expect(yamlifyArg('1')).toBe(1);
    expect(yamlifyArg('false')).toBe(false);
    expect(yamlifyArg('yes')).toBe(true);
    expect(yamlifyArg('{"x": 1}')).toEqual({ x: 1 });
    expect(yamlifyArg('ls -l')).toBe('ls -l');
    expect(yamlifyArg('1_000')).toBe('1_000');
    expect(yamlifyArg('20261129043301123456')).toBe('20261129043301123456');
    expect(yamlifyArg('a: [')).toBe('a: [');
    expect(yamlifyArg('null')).toBe('null');
  });

  it('splits key=value kwargs from positional args', () => {
    const parsed = parseFunctionArgs(['1', 'two', 'a=3', 'b={"x": 1}', 'c=d=e', '==x', '1a=2']);
    expect(parsed).toEqual({ args: [1, 'two', '==x', '1a=2'], kwargs: { a: 3, b: { x: 1 }, c: 'd=e' } });
    expect(funArgs(parsed)).toEqual([1, 'two', '==x', '1a=2', { a: 3, b: { x: 1 }, c: 'd=e' }]);
    expect(funArgs(parseFunctionArgs(['uptime']))).toEqual(['uptime']);
  });
});

describe('job exit code', () => {
  it('is 0 only when every targeted host returned retcode 0', () => {
    expect(jobExitCode(new Map([['a', ret('a', 0)]]), 1, false)).toBe(0);
    expect(jobExitCode(new Map([['a', ret('a', 0)], ['b', ret('b', 3)]]), 2, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret('a', 0, false)]]), 1, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret('a', 0)]]), 2, false)).toBe(20);
    expect(jobExitCode(new Map([['a', ret('a', 0)]]), 1, true)).toBe(130);
  });
});

describe('sudo wrapping', () => {
  const noPty = { pty: false };

  it('leaves commands alone without sudo', () => {
    expect(wrapForSudo('id -u', undefined, target(), noPty)).toEqual({ command: 'id -u' });
  });

  it('uses sudo -n without a password', () => {
    expect(wrapForSudo('id -u', undefined, target({ sudo: true }), noPty).command).toBe("sudo -n -- /bin/sh -c 'id -u'");
    const withUser = wrapForSudo('id -u', 'in', target({ sudoUser: 'app' }), noPty);
    expect(withUser).toEqual({ command: "sudo -n -u app -- /bin/sh -c 'id -u'", stdin: 'in' });
  });

  it('with a password, keeps it out of stdin and the command line: only the prompt handshake carries it', () => {
    const wrapped = wrapForSudo('cat', 'data', target({ sudo: true, passwd: 's3cret' }), { pty: false, nonce: 'n1' });
    expect(wrapped.command).toBe(
      "sudo -S -p '[brine-sudo-prompt:n1]' -- /bin/sh -c 'printf '\\''%s'\\'' '\\''[brine-sudo-ready:n1]'\\'' >&2\ncat'",
    );
    expect(wrapped.stdin).toBe('data');
    expect(wrapped.sudo).toEqual({ password: 's3cret', prompt: '[brine-sudo-prompt:n1]', ready: '[brine-sudo-ready:n1]' });
    const overPty = wrapForSudo('cat', undefined, target({ sudo: true, passwd: 's3cret', sudoUser: 'app' }), { pty: true, nonce: 'n2' });
    expect(overPty.command.startsWith("sudo -p '[brine-sudo-prompt:n2]' -u app -- /bin/sh -c ")).toBe(true);
    expect(overPty).not.toHaveProperty('stdin');
    const fresh = wrapForSudo('cat', undefined, target({ sudo: true, passwd: 's3cret' }), noPty);
    expect(fresh.sudo?.prompt).toMatch(/^\[brine-sudo-prompt:[0-9a-f]{24}\]$/);
    expect(fresh.command).not.toContain('s3cret');
  });
});

describe('output framing', () => {
  it('prints salt -v banner: message, dashes as long, two empty lines', () => {
    expect(verboseBanner('20261128171805987941')).toBe(
      `Executing job with jid 20261128171805987941\n${'-'.repeat(43)}\n\n\n`,
    );
  });
});

describe('progress line', () => {
  const stream = (isTTY: boolean) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return Object.assign(out, { isTTY, text: () => text }) as unknown as NodeJS.WriteStream & { text(): string };
  };

  it('draws nothing when stderr is not a terminal, or under CI/cron', () => {
    for (const [isTTY, env] of [[false, {}], [true, { CI: '1' }], [true, { TERM: 'dumb' }]] as const) {
      const s = stream(isTTY);
      const progress = createProgress(s, 10, env);
      progress.hostDone(false);
      progress.clear();
      progress.stop();
      expect(s.text()).toBe('');
    }
  });

  it('shows done/total, failed and elapsed on a terminal, and erases itself', async () => {
    const s = stream(true);
    let now = 0;
    const progress = createProgress(s, 3, {}, () => now);
    progress.hostDone(false);
    progress.hostDone(true);
    now = 1500;
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve());
    });
    expect(s.text()).toContain('2/3 hosts done, 1 failed, 1.5s');
    progress.stop();
    expect(s.text().endsWith('\r\x1b[K')).toBe(true);
  });
  it("shows the fan-out's current concurrency once the job tells it", async () => {
    const s = stream(true);
    const progress = createProgress(s, 3, {}, () => 2000);
    progress.concurrency(48);
    progress.hostDone(false);
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve());
    });
    expect(s.text()).toContain('1/3 hosts done, 0 failed, 0.0s, concurrency 48');
    progress.stop();
  });
});
