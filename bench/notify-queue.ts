/** Shared by the notification benches: queue `returns` returns in a real local cache and time one flush through `returner`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushPending } from '../src/delivery/forward.js';
import { openLocalCache } from '../src/jobcache/local-cache.js';
import type { Returner } from '../src/returners/types.js';
import { generateJid } from '../src/salt/jid.js';

export interface QueuedFlush {
  seconds: number;
  pending: number;
}

/** What both benches report of one flush: messages received (by their (jid, id) keys), duplicates among them, rate. */
export function receivedFigures(keys: readonly string[], { seconds, pending }: QueuedFlush) {
  return {
    received: keys.length,
    duplicates: keys.length - new Set(keys).size,
    seconds: Number(seconds.toFixed(3)),
    messagesPerSecond: Math.round(keys.length / seconds),
    pending,
  };
}

export async function flushQueuedReturns(name: string, returner: Returner, { returns, hosts }: { returns: number; hosts: number }): Promise<QueuedFlush> {
  const dir = mkdtempSync(join(tmpdir(), `brine-bench-${name}-`));
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  try {
    const start = Date.now() - 3_600_000;
    const ids = Array.from({ length: hosts }, (_, i) => `host${String(i).padStart(4, '0')}`);
    for (let j = 0, n = 0; n < returns; j++) {
      const jid = generateJid(new Date(start + j * 1000), 0);
      await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: ids, startedAt: start }, [name]);
      for (const id of ids.slice(0, Math.min(hosts, returns - n))) {
        n++;
        const ret = { id, jid, fun: 'cmd.run', fun_args: ['uptime'], return: ` 04:33:01 up 3 days, load average: 0.01 ${id}`, retcode: 0, success: true, _stamp: new Date().toISOString().replace('Z', '000') };
        await cache.saveReturn(ret, [name]);
      }
    }
    const t0 = process.hrtime.bigint();
    const report = await flushPending({ queue: cache, returners: new Map([[name, returner]]), warn: (line) => console.error(line), timeoutMs: 600_000 });
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, pending: report.pending };
  } finally {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
