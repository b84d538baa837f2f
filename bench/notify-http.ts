/**
 * Notification bench (BENCH_SECTIONS=notify): `returns` returns queued in a real local cache, flushed
 * through the forwarder and the slack_webhook returner to the local HTTPS receiver that checks each
 * request as Slack does (test/helpers). Reports messages/s, connections opened (brine's client and the
 * receiver's count), and that every return arrived once. Alone: node .bench/build/bench/notify-http.js 1000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flushPending } from '../src/delivery/forward.js';
import { openLocalCache } from '../src/jobcache/local-cache.js';
import { createReturner } from '../src/returners/slack-webhook.js';
import { generateJid } from '../src/salt/jid.js';
import { slackWebhook } from '../test/helpers/chat-services.js';
import { makeTestCa, startHttpsReceiver } from '../test/helpers/https-receiver.js';
import { table } from './report.js';

export interface NotifyHttpResult {
  returner: string;
  returns: number;
  /** Messages the receiver accepted, and how many of them were for a (jid, id) already received. */
  received: number;
  duplicates: number;
  seconds: number;
  messagesPerSecond: number;
  /** Opened by brine's keep-alive client / accepted by the receiver. */
  connectionsOpened: number;
  receiverConnections: number;
  pending: number;
}

const HOOK = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

export async function benchNotifyHttp({ returns = 1_000, hosts = 100 } = {}): Promise<NotifyHttpResult> {
  const ca = makeTestCa();
  const hook = slackWebhook(HOOK);
  const receiver = await startHttpsReceiver(ca, hook.service);
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-notify-'));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  const returner = createReturner({ opts: { 'slack_webhook.webhook': `${receiver.url}${HOOK}`, 'slack_webhook.ca_file': ca.caFile } });
  try {
    const start = Date.now() - 3_600_000;
    const ids = Array.from({ length: hosts }, (_, i) => `host${String(i).padStart(4, '0')}`);
    for (let j = 0, n = 0; n < returns; j++) {
      const jid = generateJid(new Date(start + j * 1000), 0);
      await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: ids, startedAt: start }, ['slack_webhook']);
      for (const id of ids.slice(0, Math.min(hosts, returns - n))) {
        n++;
        const ret = { id, jid, fun: 'cmd.run', fun_args: ['uptime'], return: ` 04:33:01 up 3 days, load average: 0.01 ${id}`, retcode: 0, success: true, _stamp: new Date().toISOString().replace('Z', '000') };
        await cache.saveReturn(ret, ['slack_webhook']);
      }
    }
    const t0 = process.hrtime.bigint();
    const report = await flushPending({ queue: cache, returners: new Map([['slack_webhook', returner]]), warn: (line) => console.error(line), timeoutMs: 600_000 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const keys = hook.accepted.map((p) => `${String(p.attachments[0]?.['author_name'])} ${String(p.attachments[0]?.['text'])}`);
    if (hook.violations.length > 0) console.error(`notify bench: ${hook.violations.length} requests broke Slack's contract: ${hook.violations[0]}`);
    return {
      returner: 'slack_webhook',
      returns,
      received: hook.accepted.length,
      duplicates: keys.length - new Set(keys).size,
      seconds: Number(seconds.toFixed(3)),
      messagesPerSecond: Math.round(hook.accepted.length / seconds),
      connectionsOpened: returner.connectionsOpened(),
      receiverConnections: receiver.connections(),
      pending: report.pending,
    };
  } finally {
    await returner.close();
    await receiver.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
    ca.cleanup();
  }
}

export function notifyHttpTable(r: NotifyHttpResult): string {
  return table(
    ['returner', 'returns', 'received', 'duplicates', 'seconds', 'messages/s', 'connections (brine)', 'receiver connections', 'pending'],
    [[r.returner, r.returns, r.received, r.duplicates, r.seconds, r.messagesPerSecond, r.connectionsOpened, r.receiverConnections, r.pending]],
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(notifyHttpTable(await benchNotifyHttp({ returns: Number(process.argv[2] ?? 1_000) })));
}
