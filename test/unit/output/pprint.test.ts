import { describe, expect, it } from 'vitest';
import { getOutputter } from '../../../src/output/registry.js';
import { nested } from '../../../src/output/nested.js';
import { pformat, pprint } from '../../../src/output/pprint.js';

const PLAIN = { color: false, indent: 4 };
const RUN_ALL = {
  node1: {
    pid: 4242,
    retcode: 0,
    stdout: 'Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 40G 12G 26G 32% / and a very long line that will not fit',
    stderr: '',
    list: ['a', 1, null, true, 2.5],
  },
};

// Expected texts produced by CPython 3.11 `pprint.pformat(data)` / `pformat(data, indent=4)`, as salt's pprint outputter calls it.
describe('pprint outputter', () => {
  it('prints test.ping as pprint.pformat does', () => {
    expect(pprint({ node1: true }, PLAIN)).toBe("{'node1': True}\n");
    expect(getOutputter('pprint')).toBe(pprint);
  });

  it('sorts dicts, wraps at 80 columns and splits long strings as CPython does', () => {
    expect(pformat(RUN_ALL)).toBe(
      "{'node1': {'list': ['a', 1, None, True, 2.5],\n" +
        "           'pid': 4242,\n" +
        "           'retcode': 0,\n" +
        "           'stderr': '',\n" +
        "           'stdout': 'Filesystem Size Used Avail Use% Mounted on\\n'\n" +
        "                     '/dev/sda1 40G 12G 26G 32% / and a very long line that '\n" +
        "                     'will not fit'}}",
    );
  });

  it('uses --out-indent as pformat(indent=N)', () => {
    expect(pprint(RUN_ALL, { ...PLAIN, requestedIndent: 4 })).toBe(
      "{   'node1': {   'list': ['a', 1, None, True, 2.5],\n" +
        "                 'pid': 4242,\n" +
        "                 'retcode': 0,\n" +
        "                 'stderr': '',\n" +
        "                 'stdout': 'Filesystem Size Used Avail Use% Mounted on\\n'\n" +
        "                           '/dev/sda1 40G 12G 26G 32% / and a very long line '\n" +
        "                           'that will not fit'}}\n",
    );
  });
});

describe('highstate outputter', () => {
  it('falls back to nested for data that is not a state run, as salt does', () => {
    expect(getOutputter('highstate')).toBe(nested);
    expect(getOutputter('highstate')({ node1: true }, PLAIN)).toBe('node1:\n    True\n');
  });
});
