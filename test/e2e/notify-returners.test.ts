/**
 * smtp, syslog, local and a custom returner through the built CLI over a local roster: a cron audit
 * that mails only the failed host (smtp.return_only), logs every return to syslog and prints them on
 * stderr while stdout stays JSON; a mail server that is down gets the mail at returners.flush; the
 * README's webhook example loaded from returner_dirs, listed by sys.list_returners, checked by
 * returners.test; a broken custom returner is one line naming its file.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfigDir, ROOT, runCli } from '../helpers/cli.js';
import { startRsyslog, type RsyslogServer } from '../helpers/rsyslog.js';
import { startSmtpServer, type SmtpTestServer } from '../helpers/smtp.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let dir: string;
let roster: string;
let smtp: SmtpTestServer;
let proxy: TcpProxy;
let syslog: RsyslogServer;
let hook: WebhookReceiver;
let cfg: ReturnType<typeof makeConfigDir>;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

const ssh = (c: { dir: string }, args: string[]) => runCli('salt-ssh', ['-c', c.dir, '--roster-file', roster, ...args]);
const run = (c: { dir: string }, args: string[]) => runCli('salt-run', ['-c', c.dir, ...args]);
const idOf = (text: string) => /^id: (.*)$/m.exec(text)?.[1]?.trim();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brine-notify-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'probe'), '#!/bin/sh\necho ok\n');
  chmodSync(join(bin, 'probe'), 0o755);
  // `ok` finds the probe on its PATH, `bad` does not: one host fails the audit
  roster = join(dir, 'roster');
  writeFileSync(roster, `ok:\n  connection: local\n  set_path: '${bin}:$PATH'\nbad:\n  connection: local\n`);
  const returnerDir = join(dir, 'returners');
  mkdirSync(returnerDir);
  copyFileSync(join(ROOT, 'examples', 'returners', 'webhook.mjs'), join(returnerDir, 'webhook.mjs'));
  [smtp, syslog, hook] = await Promise.all([startSmtpServer(), startRsyslog(), startWebhookReceiver()]);
  proxy = await startTcpProxy(smtp.port);
  cfg = makeConfigDir({
    smtp: { from: 'audit@example.org', to: 'ops@example.org', host: '127.0.0.1', port: proxy.port, subject: 'audit: {{ id }} failed', return_only: 'failed' },
    'syslog.socket': syslog.socket,
    'syslog.tag': 'brine-e2e',
    returner_dirs: [returnerDir],
    'webhook.url': hook.url,
  });
  configs.push(cfg);
}, 60_000);
afterAll(async () => {
  await proxy.close();
  await Promise.all([smtp.close(), syslog.close(), hook.close()]);
  for (const c of configs) c.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('notification returners through the CLI', () => {
  it('a cron audit mails only the failed host, logs every return to syslog, prints them on stderr; stdout stays JSON', async () => {
    const mailsBefore = smtp.mails.length;
    const result = await ssh(cfg, ['*', 'cmd.run', 'probe', '--return', 'smtp,syslog,local', '--out', 'json', '--static', '--jid-file', join(dir, 'jid')]);
    expect(result.code).toBe(20);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: 'ok', bad: expect.stringContaining('not found') });
    expect(result.stderr).toMatch(/^\{'id': 'ok', 'jid': '\d{20}', 'fun': 'cmd\.run', 'fun_args': \['probe'\], 'return': 'ok', 'retcode': 0, 'success': True/m);
    expect(result.stderr).toMatch(/^\{'id': 'bad', .*'success': False/m);
    const mails = (await smtp.waitForMails(mailsBefore + 1)).slice(mailsBefore);
    expect(mails.map((m) => [m.subject, idOf(m.text)])).toEqual([['audit: bad failed', 'bad']]);
    const jid = readFileSync(join(dir, 'jid'), 'utf8').trim();
    const logged = (await syslog.lines()).filter((l) => l.tag === 'brine-e2e:' && l.msg.includes(jid));
    expect(logged.map((l) => (JSON.parse(l.msg) as { id: string }).id).sort()).toEqual(['bad', 'ok']);
  });

  it('a mail server that is down gets the mail at returners.flush, once', async () => {
    await proxy.stop();
    try {
      const result = await ssh(cfg, ['bad', 'cmd.run', 'probe', '--return', 'smtp']);
      expect(result.code).toBe(20);
      expect(result.stderr).toMatch(/\[WARNING \] Returner smtp: smtp 127\.0\.0\.1:\d+: .*ECONNREFUSED.*; 1 returns pending \(salt-run returners\.flush smtp\)/);
      const pending = await run(cfg, ['returners.pending', 'smtp', '--out', 'json']);
      expect(pending.code).toBe(75);
      // the load went at once (smtp stores no load); the return waits
      expect(JSON.parse(pending.stdout)).toMatchObject({ smtp: { count: 1, last_error: expect.stringContaining('ECONNREFUSED') } });
    } finally {
      await proxy.start();
    }
    const before = smtp.mails.length;
    const flushed = await run(cfg, ['returners.flush', 'smtp', '--out', 'json']);
    expect(flushed.code).toBe(0);
    expect(JSON.parse(flushed.stdout)).toEqual({ smtp: { delivered: 1, pending: 0 } });
    expect(smtp.mails.slice(before).map((m) => idOf(m.text))).toEqual(['bad']);
    const again = await run(cfg, ['returners.flush', 'smtp', '--out', 'json']);
    expect([again.code, smtp.mails.length]).toEqual([0, before + 1]);
  }, 60_000);

  it('loads the README webhook example from returner_dirs: --return, sys.list_returners, returners.test', async () => {
    const sent = await ssh(cfg, ['ok', 'test.ping', '--return', 'webhook', '--out', 'json']);
    expect(sent.code).toBe(0);
    expect(hook.returns.at(-1)).toMatchObject({ id: 'ok', fun: 'test.ping', return: true });
    const listed = await ssh(cfg, ['ok', 'sys.list_returners', '--out', 'json']);
    expect((JSON.parse(listed.stdout) as { ok: string[] }).ok).toEqual(expect.arrayContaining(['webhook', 'smtp', 'syslog', 'local']));
    const checked = await run(cfg, ['returners.test', 'webhook', '--out', 'json']);
    expect(checked.code).toBe(0);
    const checks = (JSON.parse(checked.stdout) as { webhook: Record<string, { result: boolean; comment: string }> }).webhook;
    expect(Object.keys(checks)).toEqual(['01-load', '02-capabilities', '03-returner', '04-redelivery', '05-close']);
    expect(Object.values(checks).every((c) => c.result)).toBe(true);
    const cache = await run(cfg, ['returners.test', 'local_cache', '--out', 'json']);
    expect(cache.code).toBe(0);
    expect(Object.keys((JSON.parse(cache.stdout) as { local_cache: object }).local_cache)).toEqual(
      ['01-load', '02-capabilities', '03-save_load', '04-returner', '05-get_load', '06-get_jid', '07-redelivery', '08-get_jids', '09-close'],
    );
    const wrongUrl = await run(cfg, ['returners.test', 'webhook', `return_kwargs={"url": "http://127.0.0.1:${hook.port}/nope"}`, '--out', 'json']);
    expect(wrongUrl.code).toBe(1);
    expect((JSON.parse(wrongUrl.stdout) as { webhook: Record<string, unknown> }).webhook['03-returner']).toEqual({ result: false, comment: `webhook http://127.0.0.1:${hook.port}/nope: HTTP 404` });
  });

  it('a broken custom returner is one line naming its file, exit 78', async () => {
    const broken = join(dir, 'broken-returners');
    mkdirSync(broken);
    writeFileSync(join(broken, 'pager.mjs'), 'export function createReturner( {');
    const c = makeConfigDir({ returner_dirs: broken });
    configs.push(c);
    const result = await ssh(c, ['ok', 'test.ping', '--return', 'pager']);
    expect(result.code).toBe(78);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Returner pager is unavailable: ${join(broken, 'pager.mjs')}: cannot load custom returner pager: SyntaxError: Unexpected end of input`);
  });
});
