/**
 * Notification bench (BENCH_SECTIONS=notify): `returns` returns queued in a real local cache, flushed
 * through the forwarder and the slack_webhook returner to the local HTTPS receiver that checks each
 * request as Slack does (test/helpers). Reports messages/s, connections opened (brine's client and the
 * receiver's count), and that every return arrived once. Alone: node .bench/build/bench/notify-http.js 1000
 */
import { pathToFileURL } from 'node:url';
import { createReturner } from '../src/returners/slack-webhook.js';
import { slackWebhook } from '../test/helpers/chat-services.js';
import { makeTestCa, startHttpsReceiver } from '../test/helpers/https-receiver.js';
import { flushQueuedReturns, receivedFigures } from './notify-queue.js';
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
  const returner = createReturner({ opts: { 'slack_webhook.webhook': `${receiver.url}${HOOK}`, 'slack_webhook.ca_file': ca.caFile } });
  try {
    const flush = await flushQueuedReturns('slack_webhook', returner, { returns, hosts });
    const keys = hook.accepted.map((p) => `${String(p.attachments[0]?.['author_name'])} ${String(p.attachments[0]?.['text'])}`);
    if (hook.violations.length > 0) console.error(`notify bench: ${hook.violations.length} requests broke Slack's contract: ${hook.violations[0]}`);
    return {
      returner: 'slack_webhook',
      returns,
      ...receivedFigures(keys, flush),
      connectionsOpened: returner.connectionsOpened(),
      receiverConnections: receiver.connections(),
    };
  } finally {
    await returner.close();
    await receiver.close();
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
