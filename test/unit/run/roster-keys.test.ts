import { describe, expect, it } from 'vitest';
import { parseRoster } from '../../../src/roster/load.js';
import { buildTargetDefaults, resolveTarget } from '../../../src/roster/resolve.js';
import { withCommandEnv } from '../../../src/job/command-env.js';
import { preFlightCommand } from '../../../src/job/pre-flight.js';
import { applySaltfileFlags } from '../../../src/run/saltfile-flags.js';
import { thinFlagsGiven, thinNote } from '../../../src/run/thin-notes.js';
import { formatVersionsReport } from '../../../src/run/versions-report.js';

describe('set_path, cmd_umask and ssh_pre_flight on the resolved host', () => {
  it('carries them from the roster (and roster_defaults) as the command settings', () => {
    const roster = parseRoster("a:\n  set_path: '$PATH:/opt/bin'\n  cmd_umask: 0077\n  ssh_pre_flight: ~/pre.sh\n  ssh_pre_flight_args: '-v  -x'\nb: {host: h}\n", 'r');
    const defaults = buildTargetDefaults({ opts: { roster_defaults: { cmd_umask: '022' } }, osUser: 'me', homeDir: '/home/me' });
    expect(resolveTarget('a', roster.get('a') ?? {}, defaults).command).toEqual({
      setPath: '$PATH:/opt/bin',
      umask: '0077',
      preFlight: { script: '/home/me/pre.sh', args: ['-v', '-x'] },
    });
    expect(resolveTarget('b', roster.get('b') ?? {}, defaults).command).toEqual({ umask: '0022' });
  });

  it('puts PATH (with $PATH left to the host shell) and the umask before the command', () => {
    expect(withCommandEnv('uptime', undefined)).toBe('uptime');
    expect(withCommandEnv('uptime', { setPath: '$PATH:/opt/"x"', umask: '0077' })).toBe('PATH="$PATH:/opt/\\"x\\""; export PATH\numask 0077\nuptime');
  });

  it('runs the uploaded pre-flight script with /bin/sh and its quoted args', () => {
    expect(preFlightCommand(['one', 'two words']).split('\n').at(-1)).toBe(`/bin/sh "$f" one 'two words'`);
  });
});

describe('Saltfile flag dests under the command line', () => {
  it('fills what the command line did not give; the command line wins', () => {
    const options = { isStatic: false, isVerbose: false, out: 'txt', noColor: false, ignoreHostKeys: false };
    const merged = applySaltfileFlags(options, { static: true, verbose: false, output: 'json', output_indent: 2, ignore_host_keys: true, return: ['mysql', 'local_cache'], return_kwargs: { db: 'x' } });
    expect(merged).toEqual({ isStatic: true, isVerbose: false, out: 'txt', outIndent: 2, noColor: false, ignoreHostKeys: true, return: 'mysql,local_cache', returnKwargs: '{"db":"x"}' });
  });
});

describe('the one-time thin note', () => {
  it('names thin flags, Saltfile thin keys, roster thin_dir and minion_opts brine cannot apply, in one line', () => {
    const roster = parseRoster('a:\n  thin_dir: /x\n  minion_opts: {grains: {r: 1}, log_level: debug}\nb: h\n', 'r');
    expect(thinNote({ flags: thinFlagsGiven({ wipe: true }), saltfile: { ssh_wipe: true, regen_thin: false, output: 'json' }, roster })).toBe(
      '[NOTE    ] brine deploys no salt thin and runs no salt-call, so these have no effect: -w/--wipe; Saltfile ssh_wipe; roster thin_dir (a); minion_opts log_level (a)',
    );
    expect(thinNote({ flags: [], saltfile: {}, roster: parseRoster('b: h\n', 'r') })).toBeUndefined();
  });
});

describe('-V/--versions-report', () => {
  it("lays out sections as salt's versions_report: right-aligned names, Not Installed, a ' ' line after each", () => {
    expect(formatVersionsReport({ 'Brine Version': { brine: '0.1.0' }, 'Dependency Versions': { ssh2: '1.17.0', mysql2: undefined } })).toBe(
      'Brine Version:\n         brine: 0.1.0\n \nDependency Versions:\n        mysql2: Not Installed\n          ssh2: 1.17.0\n \n',
    );
  });
});
