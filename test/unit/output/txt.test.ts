import { describe, expect, it } from 'vitest';
import { newlineValuesOnly } from '../../../src/output/newline-values-only.js';
import { quiet } from '../../../src/output/quiet.js';
import { raw } from '../../../src/output/raw.js';
import { txt } from '../../../src/output/txt.js';
import { lines, PLAIN, stream } from './samples.js';

const ping: [string, unknown][] = [['node3', true], ['node1', true], ['node2', true]];

describe('txt outputter', () => {
  it('prints test.ping as salt does', () => {
    expect(stream(txt, ping)).toBe(lines('node3: True', 'node1: True', 'node2: True'));
  });

  it('prefixes each line of a string, prints str() of anything else', () => {
    expect(txt({ node1: 'out\nerr\n' }, PLAIN)).toBe(lines('node1: out', 'node1: err'));
    expect(txt({ node1: { pid: 1, stdout: '', ok: null } }, PLAIN)).toBe(lines("node1: {'pid': 1, 'stdout': '', 'ok': None}"));
    expect(txt({ node1: 3, node2: [1, 'a'] }, PLAIN)).toBe(lines('node1: 3', "node2: [1, 'a']"));
    expect(txt({ node1: '' }, PLAIN)).toBe('');
  });
});

describe('raw outputter', () => {
  it('prints the Python repr as salt does', () => {
    expect(stream(raw, ping)).toBe(lines("{'node3': True}", "{'node1': True}", "{'node2': True}"));
    expect(raw({ node1: { pid: 16312, stderr: "it's", parsed: null, args: [1.5, 'two'] } }, PLAIN)).toBe(
      `{'node1': {'pid': 16312, 'stderr': "it's", 'parsed': None, 'args': [1.5, 'two']}}\n`,
    );
    expect(raw({ node1: 'a\nb' }, PLAIN)).toBe("{'node1': 'a\\nb'}\n");
  });
});

describe('newline_values_only outputter', () => {
  it('prints test.ping as salt does', () => {
    expect(stream(newlineValuesOnly, ping)).toBe(lines('True', 'True', 'True'));
    expect(newlineValuesOnly({ node1: true, node2: false }, PLAIN)).toBe(lines('True', 'False'));
  });

  it('flattens list values one level and prints str() of each', () => {
    const data = { myminion: ['127.0.0.1', '10.0.0.1'], second: ['127.0.0.1', ['x']], third: 8, fourth: { a: 1 } };
    expect(newlineValuesOnly(data, PLAIN)).toBe(lines('127.0.0.1', '10.0.0.1', '127.0.0.1', "['x']", '8', "{'a': 1}"));
    expect(newlineValuesOnly({ node1: 'multi\nline' }, PLAIN)).toBe(lines('multi', 'line'));
    expect(newlineValuesOnly({ node1: '' }, PLAIN)).toBe('');
  });
});

describe('quiet outputter', () => {
  it('prints nothing', () => {
    expect(quiet({ node1: true, node2: { a: 1 } }, { color: true, indent: 4 })).toBe('');
  });
});
