import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/mattermost.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { mattermostHook, messageIds } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const HOOK = 'xq5mzzr3wtfyd8ngchxyqfn1ay';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

async function subject(hook = HOOK) {
  const mm = mattermostHook(HOOK);
  const receiver = await startHttpsReceiver(ca, mm.service);
  // salt's urljoin drops the path of api_url: /mm/ must not reach the hook URL
  const opts = { 'mattermost.api_url': `${receiver.url}/mm/`, 'mattermost.hook': hook, 'mattermost.ca_file': ca.caFile };
  const ids = (jid: string) => messageIds(mm.accepted.map((m) => m.text.slice(3, -3)), jid);
  return { mm, receiver, opts, ids, returner: createReturner({ opts }) };
}

chatReturnerContracts('mattermost', () => subject(), ['event_return'], {
  refusesNothing: 'Mattermost splits a long webhook text into several posts and accepts any UTF-8 text brine sends',
});

describe('mattermost returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  beforeAll(async () => {
    s = await subject();
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
  });

  it('posts JSON {channel, username, text} to <server>/hooks/<hook>; & + % and non-ASCII survive', async () => {
    const r = createReturner({ opts: { ...s.opts, 'mattermost.channel': 'town-square', 'mattermost.username': 'salt' } });
    const jid = testJid();
    await r.returner([{ ...hostReturn(jid, 'web1', 'a & b + 100% naïve 😀', 'cmd.run'), fun_args: ['echo'] }]);
    await r.close();
    const req = s.receiver.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: `/hooks/${HOOK}` });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(s.mm.accepted.at(-1)).toEqual({
      channel: 'town-square',
      username: 'salt',
      text: `\`\`\`id: web1\r\nfunction: cmd.run\r\nfunction args: ['echo']\r\njid: ${jid}\r\nreturn: a & b + 100% naïve 😀\r\n\`\`\``,
    });
    expect(s.mm.violations).toEqual([]);
  });

  it('event_return posts tag and data lines per event', async () => {
    const jid = testJid();
    await s.returner.eventReturn?.([{ tag: `salt/job/${jid}/ret/web1`, data: { id: 'web1', return: true, fun_args: ['a'] } }]);
    expect(s.mm.accepted.at(-1)?.text).toBe(`tag: salt/job/${jid}/ret/web1\r\nid: web1\r\nreturn: True\r\nfun_args: ['a']\r\n`);
  });

  it('an unknown hook stops delivery after one request in one line', async () => {
    const bad = await subject('nope');
    await expect(bad.returner.returner([hostReturn(testJid(), 'a'), hostReturn(testJid(), 'b')])).rejects.toMatchObject({
      scope: 'returner',
      message: expect.stringMatching(/^mattermost: hook at 127\.0\.0\.1:\d+ refused \(HTTP 400\): web\.incoming_webhook\.invalid\.app_error: /),
    });
    expect(bad.receiver.requests).toHaveLength(1);
    await bad.returner.close();
    await bad.receiver.close();
  });

  it('hook and api_url are required', () => {
    expect(configError(() => createReturner({ opts: { 'mattermost.hook': 'x' } }))).toBe('mattermost.api_url is required (the Mattermost server URL)');
    expect(configError(() => createReturner({ opts: { 'mattermost.api_url': 'https://x' } }))).toBe('mattermost.hook is required');
  });
});
