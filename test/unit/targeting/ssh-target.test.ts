import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { subdictMatch } from '../../../src/targeting/grain.js';
import { loadTarget, matchTargets, targetTypeFromFlags } from '../../../src/targeting/match.js';
import { isLiteralHost, parseSshTarget } from '../../../src/targeting/ssh-target.js';

describe('user@host[:port] targets', () => {
  it('splits user, host and port as salt-ssh (and ssh) read them', () => {
    expect(parseSshTarget('web1')).toEqual({ host: 'web1' });
    expect(parseSshTarget('root@web1')).toEqual({ user: 'root', host: 'web1' });
    expect(parseSshTarget('deploy@10.0.0.5:2222')).toEqual({ user: 'deploy', host: '10.0.0.5', port: 2222 });
    expect(parseSshTarget('me@[::1]:22')).toEqual({ user: 'me', host: '::1', port: 22 });
    expect(parseSshTarget('fe80::1')).toEqual({ host: 'fe80::1' });
    expect(parseSshTarget('a@b@c')).toEqual({ user: 'a', host: 'b@c' });
  });

  it('refuses an empty user or host and a bad port in one line naming the target', () => {
    expect(() => parseSshTarget('@web1')).toThrow(new UsageError("target '@web1': expected [user@]host[:port]"));
    expect(() => parseSshTarget('root@web1:0')).toThrow("target 'root@web1:0': port must be 1-65535 (got '0')");
    expect(() => parseSshTarget('root@web1:ssh')).toThrow(UsageError);
  });

  it('treats only names without glob characters as a single host', () => {
    expect(isLiteralHost('web1.example.com')).toBe(true);
    expect(isLiteralHost('web*')).toBe(false);
    expect(isLiteralHost('web[12]')).toBe(false);
  });
});

describe('the load target', () => {
  it('is a list for -L, as salt stores it, and the text otherwise', () => {
    expect(loadTarget('web1,web2', 'list')).toEqual(['web1', 'web2']);
    expect(loadTarget('web1 web2', 'list')).toEqual(['web1', 'web2']);
    expect(loadTarget('web*', 'glob')).toBe('web*');
  });
});

describe('-G grain matching (salt subdict_match)', () => {
  const grains = {
    os: 'Debian',
    kernel: 'Linux',
    osrelease: '12',
    ipv4: ['127.0.0.1', '10.0.0.5'],
    ip_interfaces: { eth0: ['10.0.0.5'] },
    locale_info: { defaultencoding: 'UTF-8' },
    virtual: true,
  };

  it('globs values case-insensitively, through nested keys and list members', () => {
    expect(subdictMatch(grains, 'os:Debian')).toBe(true);
    expect(subdictMatch(grains, 'os:debian')).toBe(true);
    expect(subdictMatch(grains, 'os:Deb*')).toBe(true);
    expect(subdictMatch(grains, 'os:Ubuntu')).toBe(false);
    expect(subdictMatch(grains, 'ipv4:10.0.*')).toBe(true);
    expect(subdictMatch(grains, 'ip_interfaces:eth0:10.0.0.5')).toBe(true);
    expect(subdictMatch(grains, 'locale_info:defaultencoding:utf-8')).toBe(true);
    expect(subdictMatch(grains, 'locale_info:defaultencoding')).toBe(true);
    expect(subdictMatch(grains, 'virtual:True')).toBe(true);
    expect(subdictMatch(grains, 'os')).toBe(false);
    expect(subdictMatch(grains, 'nosuch:*')).toBe(false);
    expect(subdictMatch(grains, 'ip_interfaces|eth0|10.*', '|')).toBe(true);
  });

  it('matches ids by their cached grains, skipping hosts without any, and refuses -G without a cache', () => {
    const cached = new Map<string, Record<string, unknown>>([['a', grains], ['b', { os: 'Alpine' }]]);
    expect(matchTargets(['a', 'b', 'c'], 'os:*i*', 'grain', {}, { grains: cached })).toEqual(['a', 'b']);
    expect(matchTargets(['a', 'b', 'c'], 'os:alpine', 'grain', {}, { grains: cached })).toEqual(['b']);
    expect(() => matchTargets(['a'], 'os:x', 'grain', {})).toThrow(UsageError);
    expect(targetTypeFromFlags({ grain: true })).toBe('grain');
    expect(() => targetTypeFromFlags({ grain: true, list: true })).toThrow('only one target type may be given (got -L/--list, -G/--grain)');
  });
});
