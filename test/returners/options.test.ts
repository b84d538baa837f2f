import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createReturner, MYSQL_OPTIONS } from '../../src/returners/mysql.js';
import { returnerOptions } from '../../src/returners/options.js';
import { parseReturnerList, requireCapability } from '../../src/returners/registry.js';
import type { Returner } from '../../src/returners/types.js';

const read = (opts: Record<string, unknown>, sources: Parameters<typeof returnerOptions>[2] = {}) =>
  returnerOptions('mysql', opts, sources, MYSQL_OPTIONS);

describe('returnerOptions (salt get_returner_options)', () => {
  it('reads bool and list options as salt writes them, naming the key of a bad one', () => {
    const schema = { tls: { kind: 'bool' }, to: { kind: 'list' }, verify: { kind: 'bool', default: true } } as const;
    const got = returnerOptions('smtp', { 'smtp.tls': 'True', 'smtp.to': 'a@x, b@y,' }, {}, schema);
    expect(got).toEqual({ tls: true, to: ['a@x', 'b@y'], verify: true });
    expect(returnerOptions('smtp', { smtp: { tls: 'off', to: ['c@z'] } }, {}, schema)).toMatchObject({ tls: false, to: ['c@z'] });
    expect(() => returnerOptions('smtp', { 'smtp.tls': 'maybe' }, {}, schema)).toThrow(new ConfigError("smtp.tls: expected True or False, got 'maybe'"));
    expect(() => returnerOptions('smtp', { 'smtp.to': [{ a: 1 }] }, {}, schema)).toThrow(/^smtp\.to: expected a list of strings$/);
  });

  it("falls back to salt's mysql defaults", () => {
    expect(read({})).toEqual({ host: 'salt', user: 'salt', pass: 'salt', db: 'salt', port: 3306, ssl_ca: undefined, ssl_cert: undefined, ssl_key: undefined, unix_socket: undefined });
  });

  it('reads flat and nested keys, casting the port', () => {
    expect(read({ 'mysql.host': '10.0.0.1', 'mysql.port': '3307' })).toMatchObject({ host: '10.0.0.1', port: 3307 });
    expect(read({ mysql: { host: 'nested', pass: 1234 } })).toMatchObject({ host: 'nested', pass: '1234' });
  });

  it('prefers <return_config>.mysql.*, falls back per key, and lets return_kwargs win', () => {
    const opts = { 'mysql.host': 'main', 'mysql.db': 'maindb', 'alternative.mysql.host': 'alt', alternative: { mysql: { user: 'altuser' } } };
    expect(read(opts, { returnConfig: 'alternative' })).toMatchObject({ host: 'alt', user: 'altuser', db: 'maindb' });
    expect(read(opts)).toMatchObject({ host: 'main', user: 'salt' });
    expect(read(opts, { returnConfig: 'alternative', returnKwargs: { db: 'other', 'mysql.host': 'kw' } })).toMatchObject({ db: 'other', host: 'kw' });
  });

  it('turns the string None into unset', () => {
    expect(read({ 'mysql.pass': 'None', 'mysql.ssl_ca': 'none' })).toMatchObject({ pass: undefined, ssl_ca: undefined });
  });

  it('names the key it read for a bad port', () => {
    expect(() => read({ 'mysql.port': 'abc' })).toThrow(new ConfigError("mysql.port: expected an integer, got 'abc'"));
    expect(() => read({ 'alternative.mysql.port': 'x1' }, { returnConfig: 'alternative' })).toThrow("alternative.mysql.port: expected an integer, got 'x1'");
    expect(() => read({}, { returnKwargs: { port: '33o6' } })).toThrow("--return_kwargs port: expected an integer, got '33o6'");
    expect(() => read({ 'mysql.port': 'abc' })).toThrow(ConfigError);
  });
});

describe('mysql ssl keys', () => {
  it('names the key of an unreadable ssl file', () => {
    expect(() => createReturner({ opts: { 'mysql.ssl_ca': '/nonexistent/ca.pem' } })).toThrow(/^mysql\.ssl_ca: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });
});

describe('returner registry', () => {
  it('parses --return lists and refuses unknown names', () => {
    expect(parseReturnerList('mysql, local_cache,mysql')).toEqual(['mysql', 'local_cache']);
    expect(() => parseReturnerList('mysql,nosuch')).toThrow("--return: unknown returner 'nosuch'; valid returners: carbon, etcd, influxdb, local, local_cache, mattermost, memcache, multi_returner, mysql, pgjsonb, postgres, pushover, rawfile_json, redis, slack, slack_webhook, smtp, splunk, sqlite3, syslog, telegram");
  });

  it('refuses a write-only returner as master_job_cache', () => {
    const writeOnly: Returner = { name: 'syslog', capabilities: { jobCache: false, events: false, retention: false }, returner: async () => undefined, close: async () => undefined };
    expect(() => requireCapability(writeOnly, 'jobCache', 'master_job_cache')).toThrow(
      "master_job_cache: returner 'syslog' cannot serve as master_job_cache (get_load/get_jid/get_jids)",
    );
  });
});
