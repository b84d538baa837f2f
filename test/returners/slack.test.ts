import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertPolicies } from '../../src/delivery/alert-filter.js';
import { createReturner } from '../../src/returners/slack.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { messageIds, slackApi } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const TOKEN = 'xoxb-1234-5678-abcdefghijklmnop';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

async function subject(token = TOKEN) {
  const api = slackApi(TOKEN);
  const receiver = await startHttpsReceiver(ca, api.service);
  const opts = {
    'slack.api_url': `${receiver.url}/api/`,
    'slack.ca_file': ca.caFile,
    'slack.api_key': token,
    'slack.username': 'salt',
    'slack.as_user': true,
    'slack.channel': '#ops',
  };
  /** Host ids of the accepted messages about `jid` (the text inside the back-ticks). */
  const ids = (jid: string) => messageIds(api.accepted.map((m) => (m['text'] ?? '').slice(3, -3)), jid);
  return { api, receiver, opts, ids, returner: createReturner({ opts }) };
}

chatReturnerContracts('slack', () => subject(), [], {
  // chat.postMessage answers msg_too_long past 40,000 characters
  poison: (jid) => hostReturn(jid, 'huge', 'x'.repeat(40_001)),
});

describe('slack returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  beforeAll(async () => {
    s = await subject();
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
  });

  it("posts chat.postMessage with the Bearer token and salt's form: channel, username, as_user, text in back-ticks", async () => {
    const jid = testJid();
    await s.returner.returner([{ ...hostReturn(jid, 'web1', { b: [1, 2], a: 'x' }, 'grains.item'), fun_args: ['os', 'b'] }]);
    const req = s.receiver.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: '/api/chat.postMessage' });
    expect(req?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(s.api.accepted.at(-1)).toEqual({
      channel: '#ops',
      username: 'salt',
      as_user: 'True',
      text: `\`\`\`id: web1\r\nfunction: grains.item\r\nfunction args: ['os', 'b']\r\njid: ${jid}\r\nreturn: {'a': 'x', 'b': [1, 2]}\r\n\`\`\``,
    });
    expect(s.api.violations).toEqual([]);
  });

  it('slack.yaml_format sends the return as YAML', async () => {
    const r = createReturner({ opts: { ...s.opts, 'slack.yaml_format': true } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'web1', { b: [1, 2], a: 'x' })]);
    await r.close();
    expect(s.api.accepted.at(-1)?.['text']).toContain('return: a: x\nb:\n- 1\n- 2\n\r\n```');
  });

  it('reads api_key from slack.profile', async () => {
    const { 'slack.api_key': _, ...rest } = s.opts;
    const r = createReturner({ opts: { ...rest, 'slack.profile': 'slack_profile', slack_profile: { 'slack.api_key': TOKEN } } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'p1')]);
    await r.close();
    expect(s.ids(jid)).toEqual(['p1']);
    expect(configError(() => createReturner({ opts: { ...rest, 'slack.profile': 'nope' } }))).toBe("slack.profile: profile 'nope' is not a mapping in the config");
  });

  it('an invalid token stops delivery after one request, in one line, leaving everything pending', async () => {
    const bad = await subject('xoxb-revoked');
    const jid = testJid();
    await expect(bad.returner.returner([hostReturn(jid, 'a'), hostReturn(jid, 'b')])).rejects.toMatchObject({
      scope: 'returner',
      message: expect.stringMatching(/^slack: chat\.postMessage at 127\.0\.0\.1:\d+ refused \(HTTP 200\): invalid_auth$/),
    });
    expect(bad.receiver.requests).toHaveLength(1);
    await bad.returner.close();
    await bad.receiver.close();
  });

  it('a 429 ratelimited answer longer than the call budget leaves the batch pending with the reason', async () => {
    const r = createReturner({ opts: s.opts });
    s.api.rateLimit = { count: 1, seconds: 30 };
    const start = s.receiver.requests.length;
    await expect(r.returner([hostReturn(testJid(), 'a')])).rejects.toMatchObject({ scope: 'transient', message: expect.stringMatching(/retry after 30 s/) });
    // no second call while the wait lasts
    await expect(r.returner([hostReturn(testJid(), 'b')])).rejects.toMatchObject({ scope: 'transient' });
    expect(s.receiver.requests.length - start).toBe(1);
    s.api.rateLimit = { count: 0, seconds: 0 };
    await r.close();
  });

  it('salt keys refused or required in one line', () => {
    expect(configError(() => createReturner({ opts: { ...s.opts, 'slack.as_user': false } }))).toBe('slack.as_user must be True (salt sends nothing otherwise)');
    expect(configError(() => createReturner({ opts: { ...s.opts, 'slack.api_key': '' } }))).toBe('slack.api_key is required');
    expect(configError(() => createReturner({ opts: { ...s.opts, 'slack.api_url': 'ftp://x' } }))).toMatch(/^slack\.api_url: expected an http or https URL/);
  });
});

describe("salt's slack filter keys map onto return_only", () => {
  const policy = (opts: Record<string, unknown>) => alertPolicies({ return: 'slack' }, opts, () => undefined).get('slack');

  it('only_show_failed is failed, changes is changed, both is failed,changed, return_only wins', () => {
    expect(policy({ 'slack.only_show_failed': true })).toEqual(new Set(['failed']));
    expect(policy({ slack: { changes: 'True' } })).toEqual(new Set(['changed']));
    expect(policy({ 'slack.only_show_failed': true, 'slack.changes': true })).toEqual(new Set(['failed', 'changed']));
    expect(policy({ 'slack.only_show_failed': false })).toBeUndefined();
    expect(policy({ 'slack.only_show_failed': true, 'slack.return_only': 'all' })).toBeUndefined();
    expect(configError(() => policy({ 'slack.changes': 'sometimes' }))).toMatch(/^slack\.changes: expected True or False/);
  });
});
