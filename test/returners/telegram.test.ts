import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushPending } from '../../src/delivery/forward.js';
import { openLocalCache, type LocalJobCache } from '../../src/jobcache/local-cache.js';
import { createReturner } from '../../src/returners/telegram.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, jobLoad, testJid } from '../contract/returner-suite.js';
import { messageIds, telegramBot } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT = '-1001234567890';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

async function subject(token = TOKEN, chat = CHAT) {
  const bot = telegramBot(TOKEN, CHAT);
  const receiver = await startHttpsReceiver(ca, bot.service);
  const opts = { 'telegram.api_url': receiver.url, 'telegram.ca_file': ca.caFile, 'telegram.token': token, 'telegram.chat_id': chat };
  const ids = (jid: string) => messageIds(bot.accepted.map((m) => m['text'] ?? ''), jid);
  return { bot, receiver, opts, ids, returner: createReturner({ opts }) };
}

chatReturnerContracts('telegram', () => subject(), [], {
  // the Bot API answers 400 "message is too long" past 4096 characters
  poison: (jid) => hostReturn(jid, 'huge', 'x'.repeat(5000)),
});

describe('telegram returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  let dir: string;
  let cache: LocalJobCache;
  beforeAll(async () => {
    s = await subject();
    dir = mkdtempSync(join(tmpdir(), 'brine-telegram-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts sendMessage to /bot<token>/ as a form with chat_id and salt's text, str(return)", async () => {
    const jid = testJid();
    await s.returner.returner([{ ...hostReturn(jid, 'web1', { ok: true, n: null }, 'test.echo'), fun_args: [1, 'a'] }]);
    const req = s.receiver.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: `/bot${TOKEN}/sendMessage` });
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(s.bot.accepted.at(-1)).toEqual({
      chat_id: CHAT,
      text: `id: web1\r\nfunction: test.echo\r\nfunction args: [1, 'a']\r\njid: ${jid}\r\nreturn: {'ok': True, 'n': None}\r\n`,
    });
    expect(s.bot.violations).toEqual([]);
  });

  it('a 429 with parameters.retry_after is waited out, then the message is sent once', async () => {
    const r = createReturner({ opts: s.opts });
    s.bot.rateLimit = { count: 1, seconds: 1 };
    const jid = testJid();
    const start = s.receiver.requests.length;
    await r.returner([hostReturn(jid, 'limited'), hostReturn(jid, 'next')]);
    await r.close();
    const [first, second, third] = s.receiver.requests.slice(start);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(third).toBeDefined();
    expect(s.ids(jid)).toEqual(['limited', 'next']);
  });

  it('a retry_after longer than the call deadline leaves the returns pending with that reason, without hammering', async () => {
    const r = createReturner({ opts: s.opts });
    s.bot.rateLimit = { count: 1, seconds: 40 };
    const jid = testJid();
    await cache.saveLoad({ load: jobLoad(jid), minions: ['a', 'b'], startedAt: Date.now() }, ['telegram']);
    for (const id of ['a', 'b']) await cache.saveReturn(hostReturn(jid, id), ['telegram']);
    const start = s.receiver.requests.length;
    const warnings: string[] = [];
    const report = await flushPending({ queue: cache, returners: new Map([['telegram', r]]), warn: (l) => warnings.push(l), timeoutMs: 1_500, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
    expect(report.queues['telegram']?.pending).toBe(3);
    expect(warnings.join('\n')).toMatch(/Too Many Requests: retry after 40; the service asks to retry after 40 s/);
    expect(s.receiver.requests.length - start).toBe(1);
    s.bot.rateLimit = { count: 0, seconds: 0 };
    await r.close();
    // a returner built later (the next run) delivers them, once
    const later = await flushPending({ queue: cache, returners: new Map([['telegram', s.returner]]), warn: () => undefined, timeoutMs: 5_000 });
    expect(later.queues['telegram']?.pending).toBe(0);
    expect(s.ids(jid)).toEqual(['a', 'b']);
  });

  it('a wrong token is 401 and a wrong chat 400 "chat not found": both stop delivery in one line', async () => {
    for (const [token, chat, reason] of [['1:bad', CHAT, 'HTTP 401\\): Unauthorized'], [TOKEN, '42', 'HTTP 400\\): Bad Request: chat not found']] as const) {
      const bad = await subject(token, chat);
      await expect(bad.returner.returner([hostReturn(testJid(), 'a'), hostReturn(testJid(), 'b')])).rejects.toMatchObject({
        scope: 'returner',
        message: expect.stringMatching(new RegExp(`^telegram: sendMessage at 127\\.0\\.0\\.1:\\d+ refused \\(${reason}$`)),
      });
      expect(bad.receiver.requests).toHaveLength(1);
      await bad.returner.close();
      await bad.receiver.close();
    }
  });

  it('chat_id and token are required', () => {
    expect(configError(() => createReturner({ opts: { 'telegram.token': 'x' } }))).toBe('telegram.chat_id is required');
    expect(configError(() => createReturner({ opts: { telegram: { chat_id: '1' } } }))).toBe('telegram.token is required');
  });
});
