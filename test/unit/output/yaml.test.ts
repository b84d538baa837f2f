import { describe, expect, it } from 'vitest';
import { yaml } from '../../../src/output/yaml.js';
import { hang, lines, PLAIN, runAllFalse, stream } from './samples.js';

// Besides salt's own samples, the expected texts below were produced by PyYAML 6.0.3 as salt's yaml
// outputter calls it: safe_dump(data, default_flow_style=False, allow_unicode=True), then rstrip.
describe('yaml outputter', () => {
  it('prints test.ping per host and static (sorted) as salt does', () => {
    const expected = lines('node1: true', 'node2: true', 'node3: true');
    expect(stream(yaml, [['node1', true], ['node2', true], ['node3', true]])).toBe(expected);
    expect(yaml({ node1: true, node3: true, node2: true }, PLAIN)).toBe(expected);
  });

  it('prints dicts in block style with empty strings quoted', () => {
    expect(yaml({ node1: runAllFalse(16312) }, PLAIN)).toBe(
      lines('node1:', '  pid: 16312', '  retcode: 127', "  stderr: '/bin/bash: line 1: False: command not found'", "  stdout: ''"),
    );
  });

  it('prints the _error dict, null, and a multi-line string as PyYAML does', () => {
    expect(yaml({ hang }, PLAIN)).toBe(
      lines('hang:', '  _error: The command resulted in a non-zero exit code', '  parsed: null', '  retcode: 255',
        "  stderr: 'Connection timed out during banner exchange", '', "    Connection to 127.0.0.1 port 2298 timed out'", "  stdout: ''"),
    );
  });

  it('prints lists unindented under their key, empty collections inline', () => {
    const data = { node1: { fun_args: ['uptime', 'timeout=2'], args: [1, 'two'], empty: [], ed: {}, lod: [{ a: 1, b: [1, 2] }, [3, 4]] } };
    expect(yaml(data, PLAIN)).toBe(
      lines('node1:', '  args:', '  - 1', '  - two', '  ed: {}', '  empty: []', '  fun_args:', '  - uptime', '  - timeout=2',
        '  lod:', '  - a: 1', '    b:', '    - 1', '    - 2', '  - - 3', '    - 4'),
    );
  });

  it('quotes strings exactly when PyYAML does', () => {
    const data = {
      n1: '1.10', n2: 'yes', n3: 'on', n4: 'null', n5: '~', n6: "it's", n7: 'say "hi"', n8: 'a: b', n9: '- x',
      na: '#c', nb: 'tab\there', nc: 'café ☃', nd: '010', ne: '0x1F', nf: '12:30', ng: '*', nh: 'a #b', ni: '[1]',
      nj: 'x,y', nk: 'a  b', nl: 'trailing ', nm: '.5', nn: '1e3', no: 'Y', np: '=', nq: '<<', nr: ' 17:18 up', ns: '2026-11-28',
    };
    expect(yaml(data, PLAIN)).toBe(
      lines("n1: '1.10'", "n2: 'yes'", "n3: 'on'", "n4: 'null'", "n5: '~'", "n6: it's", 'n7: say "hi"', "n8: 'a: b'",
        "n9: '- x'", "na: '#c'", 'nb: "tab\\there"', 'nc: café ☃', "nd: '010'", "ne: '0x1F'", "nf: '12:30'", "ng: '*'",
        "nh: 'a #b'", "ni: '[1]'", 'nj: x,y', 'nk: a  b', "nl: 'trailing '", "nm: '.5'", 'nn: 1e3', "'no': Y", "np: '='",
        "nq: '<<'", "nr: ' 17:18 up'", "ns: '2026-11-28'"),
    );
  });

  it('quotes keys that would not read back as strings, and formats numbers like PyYAML', () => {
    expect(yaml({ true: 'boolkey', '1': 'numkey', 'a:b': 2, 'k with space': 1 }, PLAIN)).toBe(
      lines("'1': numkey", 'a:b: 2', 'k with space: 1', "'true': boolkey"),
    );
    expect(yaml({ node1: { big: 1e16, small: 1e-5, nan: NaN, neg: -2, half: 3.5 } }, PLAIN)).toBe(
      lines('node1:', '  big: 10000000000000000', '  half: 3.5', '  nan: .nan', '  neg: -2', '  small: 1.0e-05'),
    );
  });

  it('prints flow style with --out-indent -1', () => {
    expect(yaml({ node1: true }, { color: false, indent: -1 })).toBe('{node1: true}\n');
    expect(yaml({ node1: { x: [1, 2, { a: 'b c' }], y: '' }, n2: true }, { color: false, indent: -1 })).toBe("{n2: true, node1: {x: [1, 2, {a: b c}], y: ''}}\n");
  });
});

describe('yaml outputter with --out-indent', () => {
  const data = { node1: { a: [1, { x: 1, y: [2, 3] }, [4, 5]], b: { c: 'd' } } };

  it('indents by N as PyYAML safe_dump(indent=N): indentless lists, `-   ` before a nested collection', () => {
    // PyYAML 6.0.3: safe_dump(data, default_flow_style=False, indent=4)
    expect(yaml(data, { ...PLAIN, requestedIndent: 4 })).toBe(
      lines('node1:', '    a:', '    - 1', '    -   x: 1', '        y:', '        - 2', '        - 3', '    -   - 4', '        - 5', '    b:', '        c: d'),
    );
  });

  it('keeps indent 2 without the flag and for values PyYAML ignores (0, 1, 10+)', () => {
    const two = yaml(data, PLAIN);
    expect(two).toContain('\n  - x: 1\n    y:\n');
    for (const requestedIndent of [0, 1, 10]) expect(yaml(data, { ...PLAIN, requestedIndent })).toBe(two);
  });

  it('re-indents a quoted scalar that spans lines', () => {
    const text = yaml({ hang }, { ...PLAIN, requestedIndent: 4 });
    expect(text).toContain("    stderr: 'Connection timed out during banner exchange\n\n        Connection to 127.0.0.1 port 2298 timed out'\n");
  });
});
