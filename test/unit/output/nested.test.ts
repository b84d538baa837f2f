import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nested } from '../../../src/output/nested.js';
import { hang, lines, listJobsEntry, lookupJidReturn, PLAIN, printJob, runAllFalse, stream, sysDoc, uptime } from './samples.js';

const COLOR = { color: true, indent: 4 } as const;
const ping: [string, unknown][] = [['node1', true], ['node2', true], ['node3', true]];

describe('nested outputter (salt samples, byte for byte)', () => {
  it('prints test.ping per host and static alike', () => {
    const expected = lines('node1:', '    True', 'node2:', '    True', 'node3:', '    True');
    expect(stream(nested, ping)).toBe(expected);
    expect(nested({ node1: true, node3: true, node2: true }, PLAIN)).toBe(expected);
  });

  it('prints cmd.run_all dicts sorted, an empty string as a bare key', () => {
    const out = stream(nested, [['node1', runAllFalse(15927)], ['node3', runAllFalse(15928)]]);
    const block = (id: string, pid: string): string[] => [
      `${id}:`, '    ----------', '    pid:', `        ${pid}`, '    retcode:', '        127',
      '    stderr:', '        /bin/bash: line 1: False: command not found', '    stdout:',
    ];
    expect(out).toBe(lines(...block('node1', '15927'), ...block('node3', '15928')));
  });

  it('prints the _error dict of a failed host', () => {
    expect(nested({ hang }, PLAIN)).toBe(
      lines(
        'hang:', '    ----------', '    _error:', '        The command resulted in a non-zero exit code',
        '    parsed:', '        None', '    retcode:', '        255', '    stderr:',
        '        Connection timed out during banner exchange', '        Connection to 127.0.0.1 port 2298 timed out',
        '    stdout:',
      ),
    );
  });

  it('indents multi-line strings per line and keeps a value\'s own leading space', () => {
    expect(nested({ node1: 'out\nerr' }, PLAIN)).toBe(lines('node1:', '    out', '    err'));
    expect(nested({ node1: uptime }, PLAIN)).toBe(lines('node1:', `     17:18:06 up 38 min,  0 user,  load average: 2.23, 2.62, 2.45`));
    expect(nested({ refused: 'ssh: connect to host 127.0.0.1 port 1: Connection refused' }, PLAIN)).toBe(
      lines('refused:', '    ssh: connect to host 127.0.0.1 port 1: Connection refused'),
    );
    expect(nested({ node1: 3 }, PLAIN)).toBe(lines('node1:', '    3'));
  });

  it('prints sys.doc with its blank lines and drops the trailing whitespace line as salt does', () => {
    const blank = ' '.repeat(8);
    expect(nested({ node1: sysDoc }, PLAIN)).toBe(
      lines(
        'node1:', '    ----------', '    test.ping:', blank,
        '            Used to make sure the minion is up and responding. Not an ICMP ping.', blank,
        '            Returns ``True``.', blank, '            CLI Example:', blank,
        "                salt '*' test.ping",
      ),
    );
  });

  it('prints sys.list_returners as a list', () => {
    expect(nested({ node1: ['carbon', 'couchdb', 'mysql'] }, PLAIN)).toBe(lines('node1:', '    - carbon', '    - couchdb', '    - mysql'));
  });

  it('prints jobs.print_job (nested dicts and lists)', () => {
    expect(nested(printJob, PLAIN)).toBe(
      lines(
        '20261128171805987941:', '    ----------', '    Arguments:', '        - uptime', '    Function:', '        cmd.run',
        '    Minions:', '        - node1', '    Result:', '        ----------', '        node1:', '            ----------',
        '            return:', '                ----------', '                fun:', '                    cmd.run',
        '                fun_args:', '                    - uptime', '                id:', '                    node1',
        '                jid:', '                    20261128171806796511', '                retcode:', '                    0',
        '                return:', '                     17:18:06 up 38 min,  0 user,  load average: 2.23, 2.62, 2.45',
        '    StartTime:', '        2026, Nov 28 17:18:05.987941', '    Target:', '        node1', '    Target-type:',
        '        glob', '    User:', '        root',
      ),
    );
    expect(nested({ node1: lookupJidReturn }, PLAIN).split('\n').slice(0, 4)).toEqual(['node1:', '    ----------', '    fun:', '        cmd.run']);
  });

  it('prints jobs.list_jobs, where an empty Arguments list prints nothing after the key', () => {
    const jobs = {
      '20261128171735909616': listJobsEntry('2026, Nov 28 17:17:35.909616'),
      '20261128171717217116': listJobsEntry('2026, Nov 28 17:17:17.217116'),
    };
    const block = (jid: string, time: string): string[] => [
      `${jid}:`, '    ----------', '    Arguments:', '    Function:', '        test.ping', '    StartTime:', `        ${time}`,
      '    Target:', '        *', '    Target-type:', '        glob', '    User:', '        root',
    ];
    expect(nested(jobs, PLAIN)).toBe(
      lines(...block('20261128171717217116', '2026, Nov 28 17:17:17.217116'), ...block('20261128171735909616', '2026, Nov 28 17:17:35.909616')),
    );
  });

  it('prints jobs.list_job of an unknown jid: a top-level dict and an empty Result dict', () => {
    const data = {
      jid: '20990101000000000000',
      Error: 'Cannot contact returner or no job with this jid',
      StartTime: '2099, Jan 01 00:00:00.000000',
      Result: {},
    };
    expect(nested(data, PLAIN)).toBe(
      lines('Error:', '    Cannot contact returner or no job with this jid', 'Result:', '    ----------', 'StartTime:',
        '    2099, Jan 01 00:00:00.000000', 'jid:', '    20990101000000000000'),
    );
  });

  it('prints salt-ssh -H', () => {
    const data = { './roster3': { node1: '127.0.0.1', node2: '127.0.0.1' } };
    expect(nested(data, PLAIN)).toBe(lines('./roster3:', '    ----------', '    node1:', '        127.0.0.1', '    node2:', '        127.0.0.1'));
  });

  it('prints lists of dicts and lists with |_ as salt does', () => {
    const data = { node1: [{ b: 'x', a: 1 }, [1, 'two\nlines'], null, false] };
    expect(nested(data, PLAIN)).toBe(
      lines('node1:', '    |_', '      ----------', '      a:', '          1', '      b:', '          x',
        '    |_', '      - 1', '      - two', '        lines', '    - None', '    - False'),
    );
  });

  it('prints nothing for an empty dict, dashes for an empty host dict', () => {
    expect(nested({}, PLAIN)).toBe('');
    expect(nested({ node1: {} }, PLAIN)).toBe(lines('node1:', '    ----------'));
    expect(nested({ node1: '' }, PLAIN)).toBe(lines('node1:'));
    expect(nested({ node1: [] }, PLAIN)).toBe(lines('node1:'));
  });

  it('replaces ESC in host output with ? (salt strip_esc_sequence)', () => {
    expect(nested({ node1: '\x1b[31mred\x1b[0m' }, PLAIN)).toBe(lines('node1:', '    ?[31mred?[0m'));
  });
});

describe('nested outputter colour', () => {
  const samples: Record<string, unknown>[] = [
    { node1: true },
    { node1: runAllFalse(1) },
    { hang },
    { node1: sysDoc },
    printJob,
    { node1: [{ a: 1.5 }, ['x'], null] },
  ];

  it('has no ESC byte with colour off', () => {
    for (const data of samples) expect(nested(data, PLAIN)).not.toContain('\x1b');
  });

  it('colours with ESC and strips back to exactly the plain text', () => {
    for (const data of samples) {
      const coloured = nested(data, COLOR);
      expect(coloured).toContain('\x1b[');
      expect(stripVTControlCharacters(coloured)).toBe(nested(data, PLAIN));
    }
  });

  it('uses salt\'s scheme: cyan ids and keys, bold yellow constants, green strings', () => {
    expect(nested({ node1: true }, COLOR)).toBe('\x1b[36mnode1\x1b[39m:\n    \x1b[1m\x1b[33mTrue\x1b[39m\x1b[22m\n');
    const out = nested({ node1: { pid: 7, stdout: 'hi' } }, COLOR);
    expect(out).toContain('    \x1b[36m----------\x1b[39m\n');
    expect(out).toContain('    \x1b[36mpid\x1b[39m:\n        \x1b[1m\x1b[33m7\x1b[39m\x1b[22m\n');
    expect(out).toContain('        \x1b[32mhi\x1b[39m\n');
    expect(nested({ node1: ['a'] }, COLOR)).toContain('    \x1b[32m- a\x1b[39m');
  });

  it('paints a failed host (a dict with _error) red', () => {
    const out = nested({ hang }, COLOR);
    expect(out.startsWith('\x1b[31mhang\x1b[39m:\n    \x1b[31m----------\x1b[39m\n')).toBe(true);
    expect(out).toContain('    \x1b[31m_error\x1b[39m:\n        \x1b[31mThe command resulted in a non-zero exit code\x1b[39m\n');
    expect(out).toContain('        \x1b[32mConnection timed out during banner exchange\x1b[39m\n');
  });
});
