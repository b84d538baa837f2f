import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SILENT_LOGGER } from '../../../src/core/log.js';
import { createLogger, levelTag, parseLogLevel } from '../../../src/display/log.js';
import { openCommandLogger } from '../../../src/cli/logging.js';

const dir = mkdtempSync(join(tmpdir(), 'brine-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captured() {
  const lines: string[] = [];
  return { lines, stderr: { write: (text: string) => lines.push(text) } };
}

describe('logger', () => {
  it("writes salt's console format at and above its level only", () => {
    const { lines, stderr } = captured();
    const log = createLogger({ level: 'debug', stderr });
    log.trace('hidden');
    log.debug('web1: connecting to 127.0.0.1:2222 (timeout 10 s)');
    log.info('info line');
    log.warning('warned');
    log.error('failed');
    expect(lines).toEqual([
      '[DEBUG   ] web1: connecting to 127.0.0.1:2222 (timeout 10 s)\n',
      '[INFO    ] info line\n',
      '[WARNING ] warned\n',
      '[ERROR   ] failed\n',
    ]);
    expect(levelTag('critical')).toBe('[CRITICAL]');
  });

  it('defaults to warning, as salt does, and quiet writes nothing', () => {
    const { lines, stderr } = captured();
    const standard = openCommandLogger({}, stderr);
    standard.debug('no');
    standard.info('no');
    standard.warning('yes');
    expect(lines).toEqual(['[WARNING ] yes\n']);
    const quiet = createLogger({ level: 'quiet', stderr });
    quiet.error('no');
    expect(lines).toHaveLength(1);
    expect(quiet.isEnabled('critical')).toBe(false);
  });

  it('trace and all reach lower levels; isEnabled answers per level', () => {
    const { lines, stderr } = captured();
    const log = createLogger({ level: 'trace', stderr });
    expect(log.isEnabled('trace')).toBe(true);
    expect(log.isEnabled('garbage')).toBe(false);
    log.trace('ssh2 line');
    expect(lines).toEqual(['[TRACE   ] ssh2 line\n']);
    expect(createLogger({ level: 'all', stderr }).isEnabled('garbage')).toBe(true);
    expect(SILENT_LOGGER.isEnabled('critical')).toBe(false);
  });

  it('refuses an unknown level with the flag and the valid names (exit 64), case-insensitively accepting the rest', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(() => parseLogLevel('a')).toThrow(
      "--log-level: 'a' is not a log level (valid: all, garbage, trace, debug, profile, info, warning, error, critical, quiet)",
    );
    expect(() => openCommandLogger({ 'log-file-level': 'loud', 'log-file': join(dir, 'x.log') }, captured().stderr)).toThrow(
      expect.objectContaining({ exitCode: 64, message: expect.stringMatching(/^--log-file-level: 'loud'/) as unknown }),
    );
  });

  it('appends to a log file at its own level with a timestamp and the pid, file 0600', () => {
    const file = join(dir, 'run.log');
    const { lines, stderr } = captured();
    const log = createLogger({ level: 'warning', stderr, file, fileLevel: 'debug', now: () => new Date(2026, 10, 29, 4, 33, 1, 7), pid: 4242 });
    expect(log.isEnabled('debug')).toBe(true);
    log.debug('web1: exit 0 after 0.12 s');
    log.trace('not in the file');
    log.close();
    expect(lines).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('2026-11-29 04:33:01,007 [DEBUG   ][4242] web1: exit 0 after 0.12 s\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('an unopenable --log-file is one line naming it, exit 74', () => {
    const file = join(dir, 'missing-dir', 'run.log');
    expect(() => createLogger({ level: 'warning', stderr: captured().stderr, file })).toThrow(
      expect.objectContaining({ exitCode: 74, message: expect.stringContaining(`cannot open --log-file ${file}: ENOENT`) as unknown }),
    );
  });
});
