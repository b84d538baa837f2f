/**
 * Mail bench (BENCH_SECTIONS=smtp): `returns` returns queued in a real local cache, flushed through
 * the forwarder and the smtp returner to the in-process SMTP server of the tests (smtp-server +
 * mailparser, plain SMTP on loopback). Reports messages/s, connections opened (brine's count and the
 * server's), and that every return arrived once. Alone: node .bench/build/bench/notify-smtp.js 1000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flushPending } from '../src/delivery/forward.js';
import { openLocalCache } from '../src/jobcache/local-cache.js';
import { createReturner } from '../src/returners/smtp.js';
import { generateJid } from '../src/salt/jid.js';
import { startSmtpServer } from '../test/helpers/smtp.js';
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
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-smtp-'));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  const returner = createReturner({ opts: { smtp: { from: 'salt@example.org', to: 'ops@example.org', host: '127.0.0.1', port: server.port } } });
  try {
    const start = Date.now() - 3_600_000;
    const ids = Array.from({ length: hosts }, (_, i) => `host${String(i).padStart(4, '0')}`);
    for (let j = 0, n = 0; n < returns; j++) {
      const jid = generateJid(new Date(start + j * 1000), 0);
      await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: ids, startedAt: start }, ['smtp']);
      for (const id of ids.slice(0, Math.min(hosts, returns - n))) {
        n++;
        const ret = { id, jid, fun: 'cmd.run', fun_args: ['uptime'], return: ` 04:33:01 up 3 days, load average: 0.01 ${id}`, retcode: 0, success: true, _stamp: new Date().toISOString().replace('Z', '000') };
        await cache.saveReturn(ret, ['smtp']);
      }
    }
    const t0 = process.hrtime.bigint();
    const report = await flushPending({ queue: cache, returners: new Map([['smtp', returner]]), warn: (line) => console.error(line), timeoutMs: 600_000 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const keys = server.mails.map((m) => `${/^id: .*$/m.exec(m.text)?.[0] ?? ''}|${/^jid: .*$/m.exec(m.text)?.[0] ?? ''}`);
    return {
      returns,
      received: server.mails.length,
      duplicates: keys.length - new Set(keys).size,
      seconds: Number(seconds.toFixed(3)),
      messagesPerSecond: Math.round(server.mails.length / seconds),
      connectionsOpened: returner.connectionsOpened(),
      serverConnections: server.connections(),
      pending: report.pending,
    };
  } finally {
    await returner.close();
    await server.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
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
