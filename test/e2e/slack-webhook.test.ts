/**
 * `salt-ssh --return slack_webhook` through the built CLI to a local HTTPS receiver that checks each
 * request as Slack does: one message per host, a receiver that is down gets them later, once, by
 * `salt-run returners.flush`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, runCli } from '../helpers/cli.js';
import { slackWebhook, type Emulator } from '../helpers/chat-services.js';
import { makeTestCa, startHttpsReceiver, type HttpsReceiver, type TestCa } from '../helpers/https-receiver.js';

const HOOK = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
let ca: TestCa;
let hook: Emulator<{ attachments: Array<Record<string, unknown>> }>;
let receiver: HttpsReceiver;
let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;

const hostsFor = (jid: string) =>
  hook.accepted.filter((p) => String(p.attachments[0]?.['text']).includes(`JID: ${jid}\n`)).map((p) => String(p.attachments[0]?.['author_name'])).sort();

beforeAll(async () => {
  ca = makeTestCa();
  hook = slackWebhook(HOOK);
  receiver = await startHttpsReceiver(ca, hook.service);
  cfg = makeConfigDir({ 'slack_webhook.webhook': `${receiver.url}${HOOK}`, 'slack_webhook.ca_file': ca.caFile });
  roster = join(cfg.dir, 'roster.yaml');
  writeFileSync(roster, 'web1:\n  connection: local\nweb2:\n  connection: local\n');
});

afterAll(async () => {
  await receiver?.close();
  cfg?.cleanup();
  ca?.cleanup();
});

const ssh = (args: string[]) => runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args]);
const run = (args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);

describe('salt-ssh --return slack_webhook', () => {
  it('posts one Slack message per host', async () => {
    const res = await ssh(['*', 'test.ping', '--return', 'slack_webhook', '-v']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jid = bannerJid(res.stdout);
    expect(hostsFor(jid)).toEqual(['web1', 'web2']);
    const payload = hook.accepted.find((p) => p.attachments[0]?.['author_name'] === 'web1' && String(p.attachments[0]?.['text']).includes(jid));
    expect(payload?.attachments[1]).toEqual({ color: 'good', title: 'Return: True' });
    expect(hook.violations).toEqual([]);
  });

  it('an endpoint that is down gets the messages later, once, from returners.flush', async () => {
    await receiver.stop();
    const down = await ssh(['*', 'test.ping', '--return', 'slack_webhook', '-v']);
    expect(down.code).toBe(0);
    const jid = bannerJid(down.stdout);
    expect(down.stderr).toMatch(/^\[WARNING \] Returner slack_webhook: slack_webhook: https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED .*; \d+ returns pending \(salt-run returners\.flush slack_webhook\)\n$/);
    expect((await run(['returners.pending'])).code).toBe(75);
    await receiver.start();
    const flushed = await run(['returners.flush', 'slack_webhook', '--out', 'json']);
    expect(flushed.code).toBe(0);
    expect(JSON.parse(flushed.stdout)).toMatchObject({ slack_webhook: { pending: 0 } });
    expect(hostsFor(jid)).toEqual(['web1', 'web2']);
    const again = await run(['returners.flush', 'slack_webhook', '--out', 'json']);
    expect(again.code).toBe(0);
    expect(hostsFor(jid)).toEqual(['web1', 'web2']);
  });
});

describe('NODE_EXTRA_CA_CERTS instead of slack_webhook.ca_file', () => {
  it('trusts the receiver through the environment', async () => {
    const plain = makeConfigDir({ 'slack_webhook.webhook': `${receiver.url}${HOOK}` });
    try {
      const res = await runCli('salt-ssh', ['-c', plain.dir, '--roster-file', roster, 'web1', 'test.ping', '--return', 'slack_webhook', '-v'], {
        env: { NODE_EXTRA_CA_CERTS: ca.caFile },
      });
      expect(res.stderr).toBe('');
      expect(hostsFor(bannerJid(res.stdout))).toEqual(['web1']);
    } finally {
      plain.cleanup();
    }
  });
});
