import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, NoMatchError, UsageError } from '../../../src/errors.js';
import { matchTargets, nodegroupsFromOpts, selectTargets, targetTypeFromFlags } from '../../../src/targeting/match.js';

const IDS = ['web2', 'web1', 'web10', 'db1', 'db2', 'node1', 'node4', 'xweb1'];

describe('matchTargets', () => {
  it('globs with salt fnmatch, in roster order', () => {
    expect(matchTargets(IDS, 'web*', 'glob', {})).toEqual(['web2', 'web1', 'web10']);
    expect(matchTargets(IDS, 'node[!1-3]', 'glob', {})).toEqual(['node4']);
    expect(matchTargets(IDS, 'web?', 'glob', {})).toEqual(['web2', 'web1']);
    expect(matchTargets(IDS, 'nomatch*', 'glob', {})).toEqual([]);
  });

  it('anchors -E at the start only, like re.match', () => {
    expect(matchTargets(IDS, 'web1', 'pcre', {})).toEqual(['web1', 'web10']);
    expect(matchTargets(IDS, 'eb', 'pcre', {})).toEqual([]);
    expect(matchTargets(IDS, 'db|web1', 'pcre', {})).toEqual(['web1', 'web10', 'db1', 'db2']);
    expect(matchTargets(IDS, 'web\\d\\Z', 'pcre', {})).toEqual(['web2', 'web1']);
    expect(matchTargets(IDS, '(?P<n>db)\\d', 'pcre', {})).toEqual(['db1', 'db2']);
  });

  it('rejects an invalid -E regex with a usage error naming -E', () => {
    expect(() => matchTargets(IDS, 'web(', 'pcre', {})).toThrow(UsageError);
    expect(() => matchTargets(IDS, 'web(', 'pcre', {})).toThrow(/^-E\/--pcre: invalid regular expression 'web\('/);
  });

  it('splits -L on commas and whitespace and matches exact ids', () => {
    expect(matchTargets(IDS, 'db2,web1', 'list', {})).toEqual(['web1', 'db2']);
    expect(matchTargets(IDS, ' db2  web1 ,, node4 ', 'list', {})).toEqual(['web1', 'db2', 'node4']);
    expect(matchTargets(IDS, 'web*', 'list', {})).toEqual([]);
  });

  it('reads ssh_list_nodegroups lists and comma strings', () => {
    const opts = { ssh_list_nodegroups: { dbs: ['db1', 'db2'], two: 'web1,node1' } };
    expect(matchTargets(IDS, 'dbs', 'nodegroup', opts)).toEqual(['db1', 'db2']);
    expect(matchTargets(IDS, 'two', 'nodegroup', opts)).toEqual(['web1', 'node1']);
  });

  it('reads compound nodegroups made of L@ lists and globs', () => {
    const opts = {
      nodegroups: { mixed: 'L@db1,node4 or web1*', listform: ['L@db2', 'or', 'node*'], globs: 'web2,xweb*' },
    };
    expect(matchTargets(IDS, 'mixed', 'nodegroup', opts)).toEqual(['web1', 'web10', 'db1', 'node4']);
    expect(matchTargets(IDS, 'listform', 'nodegroup', opts)).toEqual(['db2', 'node1', 'node4']);
    expect(matchTargets(IDS, 'globs', 'nodegroup', opts)).toEqual(['web2', 'xweb1']);
  });

  it('accepts the flat group map from nodegroupsFromOpts, ssh_list_nodegroups winning', () => {
    const groups = nodegroupsFromOpts({ nodegroups: { g: 'L@web2', h: 'db*' }, ssh_list_nodegroups: { g: ['node1'] } });
    expect(groups).toEqual({ g: ['node1'], h: 'db*' });
    expect(matchTargets(IDS, 'g', 'nodegroup', groups)).toEqual(['node1']);
    expect(matchTargets(IDS, 'h', 'nodegroup', groups)).toEqual(['db1', 'db2']);
  });

  it('rejects grain or boolean compound nodegroups with a config error naming the group', () => {
    const opts = { nodegroups: { debian: 'G@os:Debian and web*' } };
    expect(() => matchTargets(IDS, 'debian', 'nodegroup', opts)).toThrow(ConfigError);
    expect(() => matchTargets(IDS, 'debian', 'nodegroup', opts)).toThrow(
      "nodegroups: group 'debian' uses 'G@os:Debian'; salt-ssh supports only list (L@) and glob nodegroups joined by 'or'",
    );
  });

  it('rejects an unknown nodegroup with a usage error naming it', () => {
    const opts = { nodegroups: { a: 'web1' }, ssh_list_nodegroups: { b: ['db1'] } };
    expect(() => matchTargets(IDS, 'c', 'nodegroup', opts)).toThrow(UsageError);
    expect(() => matchTargets(IDS, 'c', 'nodegroup', opts)).toThrow("-N/--nodegroup: unknown nodegroup 'c' (known: a, b)");
  });
});

describe('targetTypeFromFlags', () => {
  it('defaults to glob, picks one type, and refuses two', () => {
    expect(targetTypeFromFlags({})).toBe('glob');
    expect(targetTypeFromFlags({ list: true, pcre: false })).toBe('list');
    expect(() => targetTypeFromFlags({ list: true, pcre: true })).toThrow(UsageError);
    expect(() => targetTypeFromFlags({ list: true, nodegroup: true })).toThrow(
      'only one target type may be given (got -L/--list, -N/--nodegroup)',
    );
  });
});

describe('selectTargets', () => {
  it("returns matches, or salt's no-match message with a non-zero exit code", () => {
    expect(selectTargets(IDS, 'db*', 'glob', {})).toEqual(['db1', 'db2']);
    let err: unknown;
    try {
      selectTargets(IDS, 'web1,db1', 'glob', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoMatchError);
    expect((err as NoMatchError).message).toBe('No matching targets found in roster.');
    expect((err as NoMatchError).exitCode).toBe(ExitCode.NO_HOST);
  });
});
