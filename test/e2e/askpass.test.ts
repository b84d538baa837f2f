import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, makeConfigDir, ROOT, runCli } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;

beforeAll(async () => {
  sshd = await startSshd();
  cfg = makeConfigDir({ ssh_known_hosts_file: sshd.writeKnownHosts() });
  roster = join(sshd.dir, 'nopw-roster.yaml');
  writeFileSync(roster, `pw:\n  host: 127.0.0.1\n  port: ${sshd.port}\n  user: ${sshd.user}\n`);
});

afterAll(async () => {
  await sshd?.stop();
  cfg?.cleanup();
});

/** Runs salt-ssh under script(1), so it has a terminal, and types `input` into it. */
function onTerminal(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  const cli = cliCommand('salt-ssh');
  const command = [cli.file, ...cli.args, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/** Runs salt-ssh under script(1) and types `keys` once the prompt is on the terminal (raw mode is on by then). */
function typeAtPrompt(args: string[], keys: string): Promise<{ code: number | null; output: string }> {
  const cli = cliCommand('salt-ssh');
  const command = [cli.file, ...cli.args, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Password: ') && child.stdin.writable) child.stdin.end(keys);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`salt-ssh --askpass did not finish; output: ${JSON.stringify(output)}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('--askpass', () => {
  it('prompts once on the terminal and logs in with the typed password', async () => {
    const res = await onTerminal(['-c', cfg.dir, '--roster-file', roster, 'pw', 'test.ping', '--askpass', '--out', 'json'], `${sshd.password}\n`);
    expect(res.output).toContain('Password: ');
    expect(res.output.match(/Password: /g)).toHaveLength(1);
    expect(res.output).toMatch(/"pw": true/);
    expect(res.code).toBe(0);
  });

  it.each([
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])('exits 130 with one clean line on %s at the prompt (not 13, unsettled top-level await)', async (_name, key) => {
    const res = await typeAtPrompt(['-c', cfg.dir, '--roster-file', roster, 'pw', 'test.ping', '--askpass'], key);
    expect(res.output.replace(/\r/g, '')).toBe('Password: \nsalt-ssh: error: --askpass: interrupted at the password prompt\n');
    expect(res.code).toBe(130);
  });

  it('is a usage error when there is no terminal to prompt on', async () => {
    const res = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, 'pw', 'test.ping', '--askpass']);
    expect(res.code).toBe(64);
    expect(res.stderr).toBe('salt-ssh: error: --askpass: no terminal to prompt on (stdin is not a TTY)\n');
  });
});
