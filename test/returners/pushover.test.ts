import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/pushover.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { messageIds, pushoverApi } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

async function subject(token = TOKEN) {
  const api = pushoverApi(TOKEN, USER);
  const receiver = await startHttpsReceiver(ca, api.service);
  const opts = { 'pushover.api_url': receiver.url, 'pushover.ca_file': ca.caFile, 'pushover.token': token, 'pushover.user': USER };
  const ids = (jid: string) => messageIds(api.accepted.map((m) => String(m['message'])), jid);
  return { api, receiver, opts, ids, returner: createReturner({ opts }) };
}

chatReturnerContracts('pushover', () => subject(), [], {
  // Pushover refuses a message over 1024 characters (400, status 0)
  poison: (jid) => hostReturn(jid, 'huge', 'x'.repeat(1100)),
});

describe('pushover returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  beforeAll(async () => {
    s = await subject();
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
  });

  it('posts JSON to /1/messages.json: token, user, title, the message with pformat, set fields only', async () => {
    const r = createReturner({ opts: { ...s.opts, pushover: { priority: 1, sound: 'siren' } } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'web1', 'up')]);
    await r.close();
    const req = s.receiver.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: '/1/messages.json' });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(s.api.accepted.at(-1)).toEqual({
      token: TOKEN,
      user: USER,
      title: 'Message from Salt',
      priority: 1,
      sound: 'siren',
      message: `id: web1\r\nfunction: test.ping\r\nfunction args: []\r\njid: ${jid}\r\nreturn: 'up'\r\n`,
    });
    expect(s.api.violations).toEqual([]);
  });

  it('reads user and token from pushover.profile', async () => {
    const r = createReturner({ opts: { 'pushover.api_url': s.receiver.url, 'pushover.ca_file': ca.caFile, 'pushover.profile': 'po', po: { 'pushover.user': USER, 'pushover.token': TOKEN } } });
    const jid = testJid();
    await r.returner([hostReturn(jid, 'p1')]);
    await r.close();
    expect(s.ids(jid)).toEqual(['p1']);
  });

  it('an invalid application token stops delivery after one request in one line', async () => {
    const bad = await subject('a'.repeat(30));
    await expect(bad.returner.returner([hostReturn(testJid(), 'a'), hostReturn(testJid(), 'b')])).rejects.toMatchObject({
      scope: 'returner',
      message: expect.stringMatching(/^pushover: messages\.json at 127\.0\.0\.1:\d+ refused \(HTTP 400\): application token is invalid$/),
    });
    expect(bad.receiver.requests).toHaveLength(1);
    await bad.returner.close();
    await bad.receiver.close();
  });

  it('checks priority, retry and expire as saltext-pushover does', () => {
    const base = { 'pushover.user': USER, 'pushover.token': TOKEN };
    expect(configError(() => createReturner({ opts: { ...base, 'pushover.priority': 3 } }))).toBe('pushover.priority: expected -2 to 2, got 3');
    expect(configError(() => createReturner({ opts: { ...base, 'pushover.priority': 2, 'pushover.expire': 60 } }))).toBe('pushover.retry: priority 2 needs retry of at least 30 seconds');
    expect(configError(() => createReturner({ opts: { ...base, 'pushover.profile': 'po', po: { 'pushover.colour': 'red' } } }))).toBe('po.pushover.colour: not a pushover setting (expected pushover.<key>)');
  });
});
