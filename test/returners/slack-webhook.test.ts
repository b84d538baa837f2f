import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushPending } from '../../src/delivery/forward.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { createHttpClient } from '../../src/returners/http/client.js';
import { loadReturner } from '../../src/returners/registry.js';
import { createReturner } from '../../src/returners/slack-webhook.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { slackWebhook, type Emulator } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { startHangServer } from '../helpers/hang-server.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const HOOK = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

type Payload = Emulator<{ attachments: Array<Record<string, unknown>> }>['accepted'][number];
/** The host id and jid of a webhook message: author_name and the `JID:` line. */
const idsFor = (accepted: readonly Payload[], jid: string) =>
  accepted.filter((p) => String(p.attachments[0]?.['text']).includes(`JID: ${jid}\n`)).map((p) => String(p.attachments[0]?.['author_name']));

async function subject(options: { revoked?: boolean } = {}) {
  const hook = slackWebhook(HOOK, options);
  const receiver = await startHttpsReceiver(ca, hook.service);
  const opts = { 'slack_webhook.webhook': `${receiver.url}${HOOK}`, 'slack_webhook.ca_file': ca.caFile };
  return { hook, receiver, opts, ids: (jid: string) => idsFor(hook.accepted, jid), returner: createReturner({ opts }) };
}

chatReturnerContracts('slack_webhook', () => subject(), [], {
  refusesNothing: "Slack's incoming webhooks accept any attachments payload brine builds (long text is cut by Slack, not refused)",
});

describe('slack_webhook returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  let dir: string;
  let cache: LocalJobCache;
  beforeAll(async () => {
    s = await subject();
    dir = mkdtempSync(join(tmpdir(), 'brine-slack-webhook-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts salt's attachments as a form payload, once per return, on one connection", async () => {
    const jid = testJid();
    const before = s.receiver.connections();
    const fresh = createReturner({ opts: s.opts });
    await fresh.returner([
      { ...hostReturn(jid, 'web1', 'up 3 days', 'cmd.run'), fun_args: ['uptime', { timeout: 5 }] },
      { ...hostReturn(jid, 'web2', { a: 1, b: [1, 2] }), retcode: 1, success: false },
    ]);
    await fresh.close();
    const [one, two] = s.hook.accepted.slice(-2);
    expect(one?.attachments).toEqual([
      expect.objectContaining({
        fallback: 'web1 | Succeeded', color: '#272727', author_name: 'web1', author_icon: '', title: 'Success: True',
        text: `Function: cmd.run\nFunction Args: ['uptime', "{'timeout': 5}"]\nJID: ${jid}\n`,
      }),
      { color: 'good', title: 'Return: up 3 days' },
    ]);
    expect(two?.attachments[0]).toMatchObject({ fallback: 'web2 | Failed', title: 'Success: False' });
    expect(two?.attachments[1]).toEqual({ color: 'danger', title: 'Return: \na: 1\nb:\n- 1\n- 2\n' });
    const requests = s.receiver.requests.slice(-2);
    for (const req of requests) {
      expect(req).toMatchObject({ method: 'POST', path: HOOK });
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.body).toMatch(/^payload=%7B/);
    }
    expect(s.receiver.connections() - before).toBe(1);
    expect(s.hook.violations).toEqual([]);
  });

  it('summarizes a state return: total, duration, unchanged/changed/failed with tasks when show_tasks', async () => {
    const jid = testJid();
    const r = createReturner({ opts: { ...s.opts, 'slack_webhook.show_tasks': true } });
    const state = {
      'pkg_|-nginx_|-nginx_|-installed': { __id__: 'nginx', __sls__: 'web', __run_num__: 0, result: true, changes: {}, duration: 1500 },
      'file_|-conf_|-/etc/nginx.conf_|-managed': { __id__: 'conf', __sls__: 'web', __run_num__: 1, result: true, changes: { diff: 'x' }, duration: 250 },
      'service_|-svc_|-nginx_|-running': { __id__: 'svc', __sls__: 'web', __run_num__: 2, result: false, changes: {}, duration: 10 },
    };
    await r.returner([{ ...hostReturn(jid, 'web1', state, 'state.apply'), retcode: 2, success: false }]);
    await r.close();
    const attachments = s.hook.accepted.at(-1)?.attachments;
    expect(attachments?.[0]?.['text']).toBe(`Function: state.apply\nJID: ${jid}\nTotal: 3\nDuration: 1.76 secs`);
    expect(attachments?.slice(1)).toEqual([
      { color: 'good', title: 'Unchanged: 1' },
      { color: 'warning', title: 'Changed: 1', fields: [{ value: 'web.sls | conf', short: false }] },
      { color: 'danger', title: 'Failed: 1', fields: [{ value: 'web.sls | svc', short: false }] },
    ]);
  });

  it('a revoked webhook stops delivery in one line and keeps every return pending', async () => {
    const revoked = await subject({ revoked: true });
    const jid = testJid();
    await cache.saveLoad({ load: jobLoad(jid), minions: ['a', 'b', 'c'], startedAt: Date.now() }, ['slack_webhook']);
    for (const id of ['a', 'b', 'c']) await cache.saveReturn(hostReturn(jid, id), ['slack_webhook']);
    const warnings: string[] = [];
    const report = await flushPending({ queue: cache, returners: new Map([['slack_webhook', revoked.returner]]), warn: (l) => warnings.push(l), timeoutMs: 5_000 });
    expect(report.queues['slack_webhook']).toMatchObject({ pending: 4, delivered: 0 }) // the job's load too;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[WARNING \] Returner slack_webhook: slack_webhook: webhook 127\.0\.0\.1:\d+ refused \(HTTP 403\): invalid_token; 4 returns pending/);
    expect(revoked.receiver.requests).toHaveLength(1);
    await revoked.returner.close();
    await revoked.receiver.close();
  });

  it('waits out a 429 with Retry-After, then delivers', async () => {
    const r = createReturner({ opts: s.opts });
    s.hook.rateLimit = { count: 1, seconds: 1 };
    const jid = testJid();
    const start = s.receiver.requests.length;
    await r.returner([hostReturn(jid, 'limited')]);
    await r.close();
    const [first, second] = s.receiver.requests.slice(start);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(idsFor(s.hook.accepted, jid)).toEqual(['limited']);
  });

  it('refuses careless config in one line', () => {
    expect(configError(() => createReturner({ opts: {} }))).toMatch(/^slack_webhook\.webhook is required/);
    expect(configError(() => createReturner({ opts: { 'slack_webhook.webhook': 'x', 'slack_webhook.ca_file': '/nonexistent/ca.pem' } }))).toMatch(
      /^slack_webhook\.ca_file: cannot read CA file \/nonexistent\/ca\.pem/,
    );
    expect(configError(() => createReturner({ opts: { 'slack_webhook.webhook': 'x', 'slack_webhook.show_tasks': 'maybe' } }))).toMatch(/show_tasks: expected True or False/);
  });

  it('a certificate it does not trust is a returner error naming the CA key, not a retry', async () => {
    const r = createReturner({ opts: { 'slack_webhook.webhook': `${s.receiver.url}${HOOK}` } });
    await expect(r.returner([hostReturn(testJid(), 'x')])).rejects.toMatchObject({
      scope: 'returner',
      message: expect.stringMatching(/^slack_webhook: https:\/\/127\.0\.0\.1:\d+: TLS: .*ca_file/),
    });
    await r.close();
  });
});

describe('http client deadlines', () => {
  let hang: Awaited<ReturnType<typeof startHangServer>>;
  beforeAll(async () => {
    hang = await startHangServer();
  });
  afterAll(() => hang.close());

  it('a server that accepts and never answers is a transient error after the response deadline; close does not hang', async () => {
    const client = createHttpClient({ name: 'test', responseTimeoutMs: 300, connectTimeoutMs: 300 });
    const started = Date.now();
    await expect(client.request({ method: 'POST', url: new URL(`https://127.0.0.1:${hang.port}/x`), body: 'a' })).rejects.toMatchObject({
      scope: 'transient',
      message: expect.stringMatching(/^test: https:\/\/127\.0\.0\.1:\d+: no (connection|answer) within 0\.3s/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    client.close();
  });
});

describe('registry', () => {
  it('loads every notification returner by its salt name, write-only, events where salt has them', async () => {
    const opts = {
      'slack_webhook.webhook': 'T/B/X',
      'slack.api_key': 'k', 'slack.username': 'u', 'slack.as_user': true,
      'mattermost.hook': 'h', 'mattermost.api_url': 'https://mm.example.com',
      'telegram.token': '1:a', 'telegram.chat_id': '1',
      'pushover.user': 'u', 'pushover.token': 't',
      splunk_http_forwarder: { token: 't', indexer: 'splunk.example.com' },
    };
    const events: Record<string, boolean> = { slack_webhook: false, slack: false, mattermost: true, telegram: false, pushover: false, splunk: true };
    for (const [name, hasEvents] of Object.entries(events)) {
      const r = await loadReturner(name, { opts });
      expect(r.name).toBe(name);
      expect(r.capabilities).toEqual({ jobCache: false, events: hasEvents, retention: false });
      await r.close();
    }
  });
});
