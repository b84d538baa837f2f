import { describe, expect, it } from 'vitest';
import { folded } from '../../../src/output/folded.js';
import { foldHosts } from '../../../src/output/host-ranges.js';
import { getOutputter } from '../../../src/output/registry.js';
import { lines, PLAIN } from './samples.js';

describe('host-range folding', () => {
  it('folds consecutive numbers into ranges and keeps gaps', () => {
    const ids = [...Array.from({ length: 40 }, (_, i) => `node${i + 1}`), 'node42'];
    expect(foldHosts(ids)).toBe('node[1-40,42]');
    expect(foldHosts(['node3', 'node1', 'node2', 'node7', 'node9', 'node8'])).toBe('node[1-3,7-9]');
  });

  it('sorts numerically, not as text', () => {
    expect(foldHosts(['node10', 'node9', 'node1', 'node2'])).toBe('node[1-2,9-10]');
  });

  it('keeps zero-padding, and joins an unpadded number of the same width', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `node${String(i + 1).padStart(2, '0')}`);
    expect(foldHosts(ids)).toBe('node[01-10]');
    expect(foldHosts(['web001.example.com', 'web002.example.com', 'web004.example.com'])).toBe('web[001-002,004].example.com');
  });

  it('never mixes different paddings of the same number', () => {
    expect(foldHosts(['node1', 'node01', 'node2', 'node02'])).toBe('node[1-2],node[01-02]');
  });

  it('folds mixed names per prefix and suffix, leaving ids without a number whole', () => {
    expect(foldHosts(['web2', 'localhost', 'db1', 'web1', 'db2', 'db-a', 'web3.dc1'])).toBe('db[1-2],db-a,localhost,web[1-2],web3.dc1');
  });

  it('folds on the last number only', () => {
    expect(foldHosts(['rack1-node1', 'rack1-node2', 'rack2-node1'])).toBe('rack1-node[1-2],rack2-node1');
  });

  it('prints a single host without brackets, and drops duplicates', () => {
    expect(foldHosts(['node5'])).toBe('node5');
    expect(foldHosts(['node5', 'node5', 'node6'])).toBe('node[5-6]');
  });

  it('leaves ids holding range syntax whole, so the folded text stays unambiguous', () => {
    expect(foldHosts(['a[1]', 'b,2', 'b3'])).toBe('a[1],b3,b,2');
  });

  it('keeps numbers past 2^53 exact', () => {
    expect(foldHosts(['n9007199254740993', 'n9007199254740994'])).toBe('n[9007199254740993-9007199254740994]');
  });
});

describe('folded outputter', () => {
  it('is registered as `folded`', () => {
    expect(getOutputter('folded')).toBe(folded);
  });

  it('groups identical returns with folded ids and counts, largest group last', () => {
    const data: Record<string, unknown> = { node4: 'disk full' };
    for (let i = 1; i <= 3; i++) data[`node${i}`] = ' 17:18:06 up 38 min';
    data['node5'] = ' 17:18:06 up 38 min';
    expect(folded(data, PLAIN)).toBe(
      lines('---------------', 'node4 (1)', '---------------', 'disk full', '---------------', 'node[1-3,5] (4)', '---------------', ' 17:18:06 up 38 min'),
    );
  });

  it('treats dicts with the same keys in another order as identical, and prints them as nested does', () => {
    const out = folded({ web1: { b: 2, a: 1 }, web2: { a: 1, b: 2 } }, PLAIN);
    expect(out).toBe(lines('---------------', 'web[1-2] (2)', '---------------', 'a:', '    1', 'b:', '    2'));
  });

  it('prints lists and scalars without a key line', () => {
    expect(folded({ h1: true }, PLAIN)).toBe(lines('---------------', 'h1 (1)', '---------------', 'True'));
    expect(folded({ h1: ['a', 'b'] }, PLAIN)).toBe(lines('---------------', 'h1 (1)', '---------------', '- a', '- b'));
  });

  it('colours a failed group red and others cyan, only when asked', () => {
    const out = folded({ h1: { _error: 'Connection refused', retcode: 255 }, h2: 'ok', h3: 'ok' }, { color: true, indent: 4 });
    expect(out).toContain('\x1b[31mh1 (1)\x1b[39m');
    expect(out).toContain('\x1b[36mh[2-3] (2)\x1b[39m');
    expect(folded({ h1: 'ok' }, PLAIN)).not.toContain('\x1b');
  });

  it('prints nothing for no hosts', () => {
    expect(folded({}, PLAIN)).toBe('');
  });
});
