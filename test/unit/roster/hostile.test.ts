import { describe, expect, it } from 'vitest';
import { configError } from '../../helpers/config-error.js';
import { parseRoster } from '../../../src/roster/load.js';
import { buildTargetDefaults, resolveTarget } from '../../../src/roster/resolve.js';

describe('roster ids and values that JavaScript or YAML treat specially', () => {
  it('keeps __proto__, constructor and toString as ordinary ids', () => {
    const roster = parseRoster('__proto__: 10.0.0.1\nconstructor:\n  port: 2222\ntoString: h\n', 'r.yaml');
    expect([...roster.keys()]).toEqual(['__proto__', 'constructor', 'toString']);
    const defaults = buildTargetDefaults({ opts: {}, osUser: 'me', homeDir: '/home/me' });
    expect(resolveTarget('__proto__', roster.get('__proto__') ?? {}, defaults)).toMatchObject({ id: '__proto__', host: '10.0.0.1' });
    expect(resolveTarget('constructor', roster.get('constructor') ?? {}, defaults)).toMatchObject({ host: 'constructor', port: 2222 });
  });

  it('refuses ids 1 and "1", which would become one host', () => {
    expect(configError(() => parseRoster('1:\n  host: a\n"1":\n  host: b\n', 'r.yaml'))).toBe("r.yaml:3:1: YAML error: duplicate key '1'");
    expect(configError(() => parseRoster("true: a\n'true': b\n", 'r.yaml'))).toBe("r.yaml:2:1: YAML error: duplicate key 'true'");
  });

  it('names a numeric secret by its type, never its value', () => {
    for (const key of ['passwd', 'priv_passwd']) {
      const message = configError(() => parseRoster(`web1:\n  ${key}: 98765432\n`, 'r.yaml'));
      expect(message).toBe(`r.yaml: host 'web1': key '${key}' must be a string (quote it) (got a number)`);
    }
    const nested = configError(() => buildTargetDefaults({ opts: { roster_defaults: { passwd: 98765432 } }, osUser: 'me', homeDir: '/h', where: 'master' }));
    expect(nested).not.toContain('98765432');
  });

  it('refuses a connect timeout a Node timer cannot hold (above 24 days)', () => {
    expect(configError(() => parseRoster('web1:\n  timeout: 3000000\n', 'r.yaml'))).toBe(
      "r.yaml: host 'web1': key 'timeout' must be a positive number of seconds up to 2073600 (24 days) (got 3000000)",
    );
    expect(parseRoster('web1:\n  timeout: 2073600\n', 'r.yaml').get('web1')).toEqual({ timeout: 2073600 });
    expect(configError(() => buildTargetDefaults({ opts: { ssh_timeout: 2073601 }, osUser: 'me', homeDir: '/h', where: 'master' }))).toMatch(
      /^master: key 'ssh_timeout' must be a positive number of seconds up to 2073600/,
    );
  });

  it('cuts a long bad value in the error to 200 characters', () => {
    const message = configError(() => parseRoster(`web1:\n  port: '${'9'.repeat(5000)}x'\n`, 'r.yaml'));
    expect(message).toBe(`r.yaml: host 'web1': key 'port' must be an integer 1-65535 (got '${'9'.repeat(200)}…')`);
  });
});
