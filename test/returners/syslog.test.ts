import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner } from '../../src/returners/syslog.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { startRsyslog, type RsyslogServer } from '../helpers/rsyslog.js';

let daemon: RsyslogServer;
beforeAll(async () => {
  daemon = await startRsyslog();
});
afterAll(async () => {
  await daemon.close();
});

const opts = (extra: Record<string, unknown> = {}) => ({ 'syslog.socket': daemon.socket, ...extra });
const returnsOf = async (jid: string) =>
  (await daemon.lines()).filter((l) => l.msg.includes(`"jid": "${jid}"`));

returnerContractSuite('syslog', () => Promise.resolve({ returner: createReturner({ opts: opts() }) }), []);

describe('syslog returner', () => {
  it('sends salt\'s json.dumps(ret) at facility|level with the tag, one message per return', async () => {
    const jid = testJid();
    const ret = { ...hostReturn(jid, 'wéb1', { out: 'ok 😀' }, 'cmd.run'), fun_args: ['uptime'] };
    await createReturner({ opts: opts({ syslog: { level: 'LOG_ERR', facility: 'LOG_DAEMON', tag: 'salt-audit' } }) }).returner([ret, hostReturn(jid, 'web2')]);
    const lines = await returnsOf(jid);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ pri: 27, facility: 'daemon', severity: 'err', tag: 'salt-audit:', program: 'salt-audit' });
    // Python's json.dumps: ", " and ": ", non-ASCII escaped
    expect(lines[0]?.msg).toBe(
      `{"id": "w\\u00e9b1", "jid": "${jid}", "fun": "cmd.run", "fun_args": ["uptime"], "return": {"out": "ok \\ud83d\\ude00"}, ` +
        `"retcode": 0, "success": true, "_stamp": "2026-11-29T04:33:01.123456"}`,
    );
    expect(JSON.parse(lines[0]?.msg ?? '')).toEqual(ret);
  });

  it('defaults to LOG_USER|LOG_INFO, tag salt-ssh; LOG_PID adds the pid; a huge return is one message cut at 64 KiB', async () => {
    const jid = testJid();
    await createReturner({ opts: opts({ 'syslog.options': ['LOG_PID', 'LOG_NDELAY'] }) }).returner([hostReturn(jid, 'big', 'x'.repeat(100_000))]);
    const [line, ...more] = await returnsOf(jid);
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({ pri: 14, facility: 'user', severity: 'info', tag: `salt-ssh[${process.pid}]:` });
    expect(line?.msg.length).toBeGreaterThan(60_000);
    expect(line?.msg.length).toBeLessThanOrEqual(65_536);
  });

  it('refuses unknown or unsupported names in one line naming the key', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'syslog.level': 'LOG_LOUD' }, /^syslog\.level: unknown 'LOG_LOUD'; one of LOG_EMERG, /],
      [{ 'syslog.facility': 'LOG_KERN' }, /^syslog\.facility: LOG_KERN is reserved/],
      [{ 'syslog.options': 'LOG_PID,LOG_CONS' }, /^syslog\.options: LOG_CONS is not supported/],
      [{ 'syslog.options': ['LOG_WHATEVER'] }, /^syslog\.options: unknown 'LOG_WHATEVER'/],
      [{ 'syslog.tag': 'a tag with spaces' }, /^syslog\.tag: at most 32 characters/],
    ];
    for (const [extra, message] of cases) expect(() => createReturner({ opts: opts(extra) })).toThrow(message);
    expect(() => createReturner({ opts: opts({ 'syslog.level': 'info' }) })).toThrow(ConfigError);
  });

  it('no socket at the path (no /dev/log in a container) is one returner-scope line naming it', async () => {
    const missing = join(daemon.dir, 'no-such.sock');
    const err = await createReturner({ opts: { 'syslog.socket': missing } }).returner([hostReturn(testJid(), 'a')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReturnerError);
    expect(err).toMatchObject({ scope: 'returner', message: `syslog: no syslog socket at ${missing} (is a syslog daemon running? set syslog.socket to its socket)` });
  });
});

returnerDeliveryContract('syslog', async () => {
  const own = await startRsyslog();
  return {
    returner: createReturner({ opts: { 'syslog.socket': own.socket } }),
    down: () => own.stop(),
    up: () => own.start(),
    storedIds: async (jid) => (await own.lines()).filter((l) => l.msg.includes(`"jid": "${jid}"`)).map((l) => (JSON.parse(l.msg) as { id: string }).id),
    refusesNothing: 'syslog daemons accept every datagram; brine truncates each message at 64 KiB, so no return is refused individually',
    cleanup: () => own.close(),
  };
});
