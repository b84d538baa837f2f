import { describe, expect, it } from 'vitest';
import { json } from '../../../src/output/json.js';
import { pyJsonDumps } from '../../../src/salt/json.js';
import { hang, lines, PLAIN, stream, sysDoc } from './samples.js';

describe('json outputter (salt samples, byte for byte)', () => {
  it('prints one pretty document per host while streaming', () => {
    expect(stream(json, [['node1', true], ['node2', true]])).toBe(lines('{', '    "node1": true', '}', '{', '    "node2": true', '}'));
  });

  it('prints one document under --static, keys in the order given', () => {
    expect(json({ node1: true, node3: true, node2: true }, PLAIN)).toBe(lines('{', '    "node1": true,', '    "node3": true,', '    "node2": true', '}'));
  });

  it('prints a single line with --out-indent -1', () => {
    expect(json({ node3: true, node1: true, node2: true }, { color: false, indent: -1 })).toBe('{"node3": true, "node1": true, "node2": true}\n');
    expect(json({ node1: { a: [1, 'x'], b: {}, c: [] } }, { color: true, indent: -1 })).toBe('{"node1": {"a": [1, "x"], "b": {}, "c": []}}\n');
  });

  it('prints cmd.run_all in insertion order and the mixed static run', () => {
    const runAll = { pid: 16712, retcode: 1, stdout: '', stderr: '' };
    expect(json({ node2: runAll }, PLAIN)).toBe(
      lines('{', '    "node2": {', '        "pid": 16712,', '        "retcode": 1,', '        "stdout": "",', '        "stderr": ""', '    }', '}'),
    );
    const mixed = { refused: 'ssh: connect to host 127.0.0.1 port 1: Connection refused', node3: true, hang };
    expect(json(mixed, PLAIN)).toBe(
      lines(
        '{',
        '    "refused": "ssh: connect to host 127.0.0.1 port 1: Connection refused",',
        '    "node3": true,',
        '    "hang": {',
        '        "stdout": "",',
        '        "stderr": "Connection timed out during banner exchange\\nConnection to 127.0.0.1 port 2298 timed out",',
        '        "retcode": 255,',
        '        "parsed": null,',
        '        "_error": "The command resulted in a non-zero exit code"',
        '    }',
        '}',
      ),
    );
  });

  it('escapes sys.doc as Python json does', () => {
    expect(json({ node1: sysDoc }, PLAIN)).toBe(
      lines(
        '{',
        '    "node1": {',
        `        "test.ping": "\\n    Used to make sure the minion is up and responding. Not an ICMP ping.\\n\\n    Returns \`\`True\`\`.\\n\\n    CLI Example:\\n\\n        salt '*' test.ping\\n    "`,
        '    }',
        '}',
      ),
    );
  });

  it('prints test.arg with nested lists and dicts', () => {
    const data = { node1: { args: [1, 'two'], kwargs: { a: 3, b: { x: 1 } } } };
    expect(json(data, PLAIN)).toBe(
      lines('{', '    "node1": {', '        "args": [', '            1,', '            "two"', '        ],', '        "kwargs": {',
        '            "a": 3,', '            "b": {', '                "x": 1', '            }', '        }', '    }', '}'),
    );
  });

  it('follows Python for indent 0, other indents, floats and non-ASCII', () => {
    expect(json({ a: [1] }, { color: false, indent: 0 })).toBe('{\n"a": [\n1\n]\n}\n');
    expect(json({ a: { b: 1.5 } }, { color: false, indent: 2 })).toBe('{\n  "a": {\n    "b": 1.5\n  }\n}\n');
    expect(pyJsonDumps({ f: 1e21, g: 1.5e-7, n: NaN, s: 'café\x1b\u2028' }, null)).toBe('{"f": 1e+21, "g": 1.5e-07, "n": NaN, "s": "café\\u001b\u2028"}');
    expect(pyJsonDumps(undefined, 4)).toBe('null');
  });
});
