import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReturner } from '../../src/returners/splunk.js';
import { chatReturnerContracts } from '../contract/chat-contracts.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { splunkHec } from '../helpers/chat-services.js';
import { configError } from '../helpers/config-error.js';
import { makeTestCa, startHttpsReceiver } from '../helpers/https-receiver.js';

const TOKEN = '12345678-1234-1234-1234-1234567890ab';
const ca = makeTestCa();
afterAll(() => ca.cleanup());

async function subject(forwarder: Record<string, unknown> = {}) {
  const hec = splunkHec(TOKEN, { indexes: ['main', 'salt'], maxContentLength: 64 * 1024 });
  const receiver = await startHttpsReceiver(ca, hec.service);
  const opts = { splunk_http_forwarder: { token: TOKEN, indexer: `127.0.0.1:${receiver.port}`, ca_file: ca.caFile, ...forwarder } };
  const ids = (jid: string) =>
    hec.accepted.map((e) => e['event'] as { jid?: string; id?: string }).filter((e) => e.jid === jid).map((e) => String(e.id));
  return { hec, receiver, opts, ids, returner: createReturner({ opts }) };
}

chatReturnerContracts(
  'splunk',
  () => subject(),
  ['event_return'],
  // HEC refuses a request over its max_content_length (413)
  { poison: (jid) => hostReturn(jid, 'huge', 'x'.repeat(100_000)) },
  (s) => ({ countEvents: async (tag) => s.hec.accepted.filter((e) => (e['event'] as { tag?: string }).tag === tag).length }),
);

describe('splunk returner', () => {
  let s: Awaited<ReturnType<typeof subject>>;
  beforeAll(async () => {
    s = await subject({ index: 'salt', sourcetype: 'salt:return' });
  });
  afterAll(async () => {
    await s.returner.close();
    await s.receiver.close();
  });

  it('posts one HEC event per return: Splunk token header, time from _stamp, index, sourcetype, event, host', async () => {
    const jid = testJid();
    const ret = hostReturn(jid, 'web1', { ok: 1 });
    await s.returner.returner([ret]);
    const req = s.receiver.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: '/services/collector/event' });
    expect(req?.headers['authorization']).toBe(`Splunk ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(Object.keys(s.hec.accepted.at(-1) ?? {})).toEqual(['time', 'index', 'sourcetype', 'event', 'host']);
    expect(s.hec.accepted.at(-1)).toEqual({ time: String(Date.parse('2026-11-29T04:33:01.123Z') / 1000 | 0), index: 'salt', sourcetype: 'salt:return', event: ret, host: 'web1' });
    expect(s.hec.violations).toEqual([]);
  });

  it('verify_ssl False reaches a server whose CA it does not know; True without the CA is a one-line TLS error', async () => {
    const { ca_file: _, ...noCa } = s.opts.splunk_http_forwarder;
    const loose = createReturner({ opts: { splunk_http_forwarder: { ...noCa, verify_ssl: false } } });
    const jid = testJid();
    await loose.returner([hostReturn(jid, 'insecure')]);
    await loose.close();
    expect(s.ids(jid)).toEqual(['insecure']);
    const strict = createReturner({ opts: { splunk_http_forwarder: noCa } });
    await expect(strict.returner([hostReturn(jid, 'strict')])).rejects.toMatchObject({ scope: 'returner', message: expect.stringMatching(/^splunk: https:\/\/127\.0\.0\.1:\d+: TLS: /) });
    await strict.close();
  });

  it('an invalid token (403, code 4) and an incorrect index (400, code 7) stop delivery in one line', async () => {
    for (const [forwarder, reason] of [[{ token: 'nope' }, 'HTTP 403\\): Invalid token \\(code 4\\)'], [{ index: 'secret' }, 'HTTP 400\\): Incorrect index \\(code 7\\)']] as const) {
      const bad = createReturner({ opts: { splunk_http_forwarder: { ...s.opts.splunk_http_forwarder, ...forwarder } } });
      const before = s.receiver.requests.length;
      await expect(bad.returner([hostReturn(testJid(), 'a'), hostReturn(testJid(), 'b')])).rejects.toMatchObject({
        scope: 'returner',
        message: expect.stringMatching(new RegExp(`^splunk: HEC at 127\\.0\\.0\\.1:\\d+ refused \\(${reason}$`)),
      });
      expect(s.receiver.requests.length - before).toBe(1);
      await bad.close();
    }
  });

  it('refuses a missing mapping, a missing token and unknown keys in one line', () => {
    expect(configError(() => createReturner({ opts: {} }))).toBe('splunk_http_forwarder: is required (a mapping with token and indexer)');
    expect(configError(() => createReturner({ opts: { splunk_http_forwarder: { indexer: 'x' } } }))).toBe('splunk_http_forwarder.token is required');
    expect(configError(() => createReturner({ opts: { splunk_http_forwarder: { token: 't', indexer: 'x', verify: false } } }))).toMatch(
      /^splunk_http_forwarder\.verify: not a splunk setting/,
    );
    expect(configError(() => createReturner({ opts: { splunk_http_forwarder: { token: 't', indexer: 'https://x/y' } } }))).toMatch(/indexer: expected a host or host:port/);
  });
});
