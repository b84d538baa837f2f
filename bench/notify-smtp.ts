/**
 * Mail bench (BENCH_SECTIONS=smtp): `returns` returns queued in a real local cache, flushed through
 * the forwarder and the smtp returner to the in-process SMTP server of the tests (smtp-server +
 * mailparser, plain SMTP on loopback). Reports messages/s, connections opened (brine's count and the
 * server's), and that every return arrived once. Alone: node .bench/build/bench/notify-smtp.js 1000
 */
import { pathToFileURL } from 'node:url';
import { createReturner } from '../src/returners/smtp.js';
import { startSmtpServer } from '../test/helpers/smtp.js';
import { flushQueuedReturns, receivedFigures } from './notify-queue.js';
import { table } from './report.js';

export interface NotifySmtpResult {
  returns: number;
  /** Mails the server accepted, and how many were for a (jid, id) already received. */
  received: number;
  duplicates: number;
  seconds: number;
  messagesPerSecond: number;
  /** Opened by brine's smtp returner (one per delivery batch) / accepted by the server. */
  connectionsOpened: number;
  serverConnections: number;
  pending: number;
}

export async function benchNotifySmtp({ returns = 1_000, hosts = 100 } = {}): Promise<NotifySmtpResult> {
  const server = await startSmtpServer();
  const returner = createReturner({ opts: { smtp: { from: 'salt@example.org', to: 'ops@example.org', host: '127.0.0.1', port: server.port } } });
  try {
    const flush = await flushQueuedReturns('smtp', returner, { returns, hosts });
    const keys = server.mails.map((m) => `${/^id: .*$/m.exec(m.text)?.[0] ?? ''}|${/^jid: .*$/m.exec(m.text)?.[0] ?? ''}`);
    return {
      returns,
      ...receivedFigures(keys, flush),
      connectionsOpened: returner.connectionsOpened(),
      serverConnections: server.connections(),
    };
  } finally {
    await returner.close();
    await server.close();
  }
}

export function notifySmtpTable(r: NotifySmtpResult): string {
  return table(
    ['returner', 'returns', 'received', 'duplicates', 'seconds', 'messages/s', 'connections (brine)', 'connections (server)', 'pending'],
    [['smtp', r.returns, r.received, r.duplicates, r.seconds, r.messagesPerSecond, r.connectionsOpened, r.serverConnections, r.pending]],
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchNotifySmtp({ returns: Number(process.argv[2] ?? 1000) });
  process.stdout.write(`${notifySmtpTable(result)}\n`);
}
