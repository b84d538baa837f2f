import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { saltMessage } from '../../src/returners/http/message.js';
import { createReturner } from '../../src/returners/smtp.js';
import type { ReturnerLoadContext } from '../../src/returners/types.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, returnerContractSuite, testJid } from '../contract/returner-suite.js';
import { closedPort, startHangServer } from '../helpers/sshd.js';
import { startSmtpServer, type SmtpTestServer } from '../helpers/smtp.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const AUTH = { user: 'alerts', pass: 'pässwörd' };
const mailsOf = (server: SmtpTestServer, jid: string) => server.mails.filter((m) => m.text.includes(`jid: ${jid}\r\n`) || m.text.includes(`jid: ${jid}\n`));
const idOf = (text: string) => /^id: (.*)$/m.exec(text)?.[1]?.trim() ?? '';

let plain: SmtpTestServer;
let secure: SmtpTestServer;
let dir: string;
const opened: Array<{ close(): Promise<void> }> = [];

const plainOpts = (extra: Record<string, unknown> = {}) => ({
  'smtp.from': 'salt@example.org', 'smtp.to': 'ops@example.org', 'smtp.host': '127.0.0.1', 'smtp.port': plain.port, ...extra,
});
const secureOpts = (extra: Record<string, unknown> = {}) => ({
  smtp: { from: 'salt@example.org', to: 'ops@example.org, oncall@example.org', host: '127.0.0.1', port: secure.port,
    username: AUTH.user, password: AUTH.pass, tls: true, ca_file: secure.caFile, ...extra },
});
const make = (opts: Record<string, unknown>, more: Partial<ReturnerLoadContext> = {}) => {
  const r = createReturner({ opts, ...more });
  opened.push(r);
  return r;
};
const scopeOf = async (work: Promise<unknown>): Promise<[string, string]> => {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReturnerError);
  return [(err as ReturnerError).scope, (err as Error).message];
};

beforeAll(async () => {
  [plain, secure] = await Promise.all([
    startSmtpServer({ refuseBodyWith: 'REFUSE-ME', size: 200_000 }),
    startSmtpServer({ tlsAndAuth: AUTH }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'brine-smtp-test-'));
});
afterAll(async () => {
  for (const r of opened) await r.close();
  await Promise.all([plain.close(), secure.close()]);
  rmSync(dir, { recursive: true, force: true });
});

returnerContractSuite('smtp', async () => ({
  returner: createReturner({ opts: plainOpts() }),
  countReturns: (jid, id) => Promise.resolve(mailsOf(plain, jid).filter((m) => idOf(m.text) === id).length),
}), ['event_return']);

describe('smtp returner', () => {
  it('sends salt\'s mail over STARTTLS with AUTH to every recipient, UTF-8 intact', async () => {
    const jid = testJid();
    const before = secure.connections();
    const sent = [{ ...hostReturn(jid, 'wéb1', { 'ünïcode': '日本 😀' }, 'cmd.run'), fun_args: ['uptime'] }, hostReturn(jid, 'web2', true, 'cmd.run')];
    await make(secureOpts()).returner(sent);
    const mails = mailsOf(secure, jid);
    expect(mails).toHaveLength(2);
    expect(secure.connections() - before).toBe(1); // one pooled connection for the batch
    const [first] = mails;
    expect(first).toMatchObject({ envelopeFrom: 'salt@example.org', envelopeTo: ['ops@example.org', 'oncall@example.org'], user: 'alerts', isSecure: true, subject: 'Email from Salt' });
    expect(first?.text).toBe(`id: wéb1\nfunction: cmd.run\nfunction args: ['uptime']\njid: ${jid}\nreturn: {'ünïcode': '日本 😀'}\n`);
    // the same text as the chat returners' shared formatter
    expect(first?.text).toBe(saltMessage(sent[0]!, 'str').replace(/\r\n/g, '\n'));
    expect(String((first?.headers.get('to') as { text: string }).text)).toBe('ops@example.org, oncall@example.org');
    expect(first?.headers.get('date')).toBeInstanceOf(Date);
  });

  it('logs in with AUTH LOGIN where the server offers only that', async () => {
    const loginOnly = await startSmtpServer({ tlsAndAuth: AUTH, authMethods: ['LOGIN'] });
    try {
      const jid = testJid();
      await make({ smtp: { ...secureOpts().smtp, port: loginOnly.port, ca_file: loginOnly.caFile } }).returner([hostReturn(jid, 'l1')]);
      expect(mailsOf(loginOnly, jid)).toMatchObject([{ user: 'alerts', isSecure: true }]);
    } finally {
      await loginOnly.close();
    }
  });

  it('renders subject and body templates from the return\'s fields, fields appended to the subject', async () => {
    const template = join(dir, 'body.txt');
    writeFileSync(template, '{# salt-style #}{{ id }} {{ return.stdout|default("-") }} rc={{ retcode }} {{ fun_args|tojson }} {{ missing|default(\'n/a\') }}\njid: {{ jid }}\n');
    const jid = testJid();
    await make(plainOpts({ 'smtp.subject': 'Failed: {{ fun }} on {{ id|upper }}', 'smtp.fields': 'id,retcode', 'smtp.template': template })).returner([
      { ...hostReturn(jid, 'db1', { stdout: 'disk full' }, 'cmd.run_all'), retcode: 2, fun_args: ['df', 'ü'] },
    ]);
    const [mail] = mailsOf(plain, jid);
    expect(mail?.subject).toBe('Failed: cmd.run_all on DB1 db1 2');
    expect(mail?.text).toBe(`db1 disk full rc=2 ["df", "ü"] n/a\njid: ${jid}\n`);
  });

  it('refuses what brine does not honour and bad settings in one line naming the key', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [plainOpts({ 'smtp.gpgowner': 'salt' }), /^smtp\.gpgowner: brine does not encrypt/],
      [plainOpts({ 'smtp.renderer': 'mako' }), /^smtp\.renderer: .*'mako'/],
      [plainOpts({ 'smtp.template': 'salt://mail.j2' }), /^smtp\.template: brine has no salt:\/\//],
      [plainOpts({ 'smtp.template': join(dir, 'nope.j2') }), /^smtp\.template: cannot read .*nope\.j2: ENOENT/],
      [plainOpts({ 'smtp.subject': '{% if success %}ok{% endif %}' }), /^smtp\.subject:1: \{% if success %\}: brine's templates take/],
      [plainOpts({ 'smtp.subject': '{{ id|shout }}' }), /unknown filter 'shout'/],
      [plainOpts({ 'smtp.to': '' }), /^smtp\.to: required/],
      [{ 'smtp.to': 'a@b', 'smtp.host': 'h' }, /^smtp\.from: required/],
      [plainOpts({ 'smtp.tls': 'maybe' }), /^smtp\.tls: expected True or False/],
    ];
    for (const [opts, message] of cases) {
      expect(() => createReturner({ opts })).toThrow(ConfigError);
      expect(() => createReturner({ opts })).toThrow(message);
    }
  });

  it('takes --return_config and --return_kwargs as every returner does', async () => {
    const jid = testJid();
    const opts = { ...plainOpts(), alerts: { smtp: { to: 'alt@example.org' } } };
    await make(opts, { returnConfig: 'alerts', returnKwargs: { subject: 'kw {{ id }}' } }).returner([hostReturn(jid, 'alt1')]);
    expect(mailsOf(plain, jid)[0]).toMatchObject({ envelopeTo: ['alt@example.org'], subject: 'kw alt1' });
  });

  it('maps failures: bad login and untrusted certificate stop the returner, refused mail is the item\'s, down is transient', async () => {
    const jid = testJid();
    const [authScope, authMessage] = await scopeOf(make(secureOpts({ password: 'wrong' })).returner([hostReturn(jid, 'a')]));
    expect([authScope, authMessage]).toEqual(['returner', expect.stringMatching(new RegExp(`^smtp 127\\.0\\.0\\.1:${secure.port}: login refused: 535`))]);
    expect(authMessage).not.toContain('wrong');
    const [tlsScope, tlsMessage] = await scopeOf(make(secureOpts({ ca_file: undefined })).returner([hostReturn(jid, 'a')]));
    expect([tlsScope, tlsMessage]).toEqual(['returner', expect.stringMatching(/TLS failed: .*certificate/)]);
    const [itemScope, itemMessage] = await scopeOf(make(plainOpts()).returner([hostReturn(jid, 'bad', 'REFUSE-ME'), hostReturn(jid, 'fine')]));
    expect([itemScope, itemMessage]).toEqual(['item', expect.stringContaining('554 5.7.1 Message refused by the content filter')]);
    expect(mailsOf(plain, jid).map((m) => idOf(m.text))).toEqual(['fine']); // the others in the batch still went
    const [sizeScope] = await scopeOf(make(plainOpts()).returner([hostReturn(jid, 'huge', 'x'.repeat(300_000))]));
    expect(sizeScope).toBe('item');
    const [downScope, downMessage] = await scopeOf(make(plainOpts({ 'smtp.port': await closedPort() })).returner([hostReturn(jid, 'a')]));
    expect([downScope, downMessage]).toEqual(['transient', expect.stringContaining('ECONNREFUSED')]);
  });

  it('a server that accepts TCP and never greets is a transient failure within the connect deadline', async () => {
    const hang = await startHangServer();
    try {
      const started = Date.now();
      const [scope] = await scopeOf(make(plainOpts({ 'smtp.port': hang.port })).returner([hostReturn(testJid(), 'a')]));
      expect(scope).toBe('transient');
      expect(Date.now() - started).toBeLessThan(7_000);
    } finally {
      await hang.close();
    }
  });

  it('an undefined template variable sets that mail aside; a retried batch sends nothing twice', async () => {
    const jid = testJid();
    const r = make(plainOpts({ 'smtp.subject': '{{ return.stdout }}' }));
    const [scope, message] = await scopeOf(r.returner([hostReturn(jid, 'str', 'not a dict')]));
    expect([scope, message]).toEqual(['item', expect.stringContaining("'return.stdout' is undefined")]);
    const ok = { ...hostReturn(jid, 'dict', { stdout: 'x' }) };
    await r.returner([ok]);
    await r.returner([ok, ok]);
    expect(mailsOf(plain, jid).map((m) => idOf(m.text))).toEqual(['dict']);
  });
});

returnerDeliveryContract('smtp', async () => {
  const server = await startSmtpServer({ refuseBodyWith: 'REFUSE-ME' });
  const proxy = await startTcpProxy(server.port);
  return {
    returner: createReturner({ opts: { 'smtp.from': 'salt@example.org', 'smtp.to': 'ops@example.org', 'smtp.host': '127.0.0.1', 'smtp.port': proxy.port } }),
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: (jid) => Promise.resolve(mailsOf(server, jid).map((m) => idOf(m.text))),
    // a content filter answers 554 for this one mail
    poison: (jid) => hostReturn(jid, 'poisoned', 'REFUSE-ME'),
    cleanup: async () => {
      await proxy.close();
      await server.close();
    },
  };
});
