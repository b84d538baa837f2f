/**
 * Forwarding benchmark: 500 hosts × 20 jobs through the real local cache and forwarder into a fresh
 * MySQL database (root over the socket creates and drops it). Reports returns/s and connections opened.
 * Then the same number of returns with one poison among them (a 4-byte host id the seed's utf8 table
 * refuses): every other return must be delivered and the poison set aside, not block the flush.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { openLocalCache, type LocalJobCache } from '../src/jobcache/local-cache.js';
import { generateJid } from '../src/salt/jid.js';
import { flushPending } from '../src/delivery/forward.js';
import { createReturner, type MysqlReturner } from '../src/returners/mysql.js';
import { MYSQL_SOCKET } from '../test/helpers/mysql.js';
import { table } from './report.js';

export interface ForwardingResult {
  returns: number;
  hosts: number;
  jobs: number;
  seconds: number;
  returnsPerSecond: number;
  /** Opened by brine's mysql returner pool. */
  connectionsOpened: number;
  /** `Connections` status delta on the server (includes the benchmark's own root connection). */
  serverConnectionsDelta: number;
  pending: number;
  poison?: PoisonFlushResult;
}

export interface PoisonFlushResult {
  returns: number;
  /** Of the returns, stored in MySQL (all but the poison). */
  delivered: number;
  setAside: number;
  /** Still waiting, set-aside included (1: the poison). */
  pending: number;
  seconds: number;
  returnsPerSecond: number;
}

/** Queues `returns` returns over `hosts`-host jobs; `poisonAt` (index) gets a host id MySQL's utf8 cannot store. */
async function queueReturns(cache: LocalJobCache, returns: number, hosts: number, startMs: number, poisonAt = -1): Promise<void> {
  const jobs = Math.ceil(returns / hosts);
  const ids = Array.from({ length: hosts }, (_, i) => `host${String(i).padStart(4, '0')}`);
  let n = 0;
  for (let j = 0; j < jobs; j++) {
    const jid = generateJid(new Date(startMs + j * 1000), 0);
    const load = { jid, fun: 'cmd.run', arg: ['uptime'], tgt: '*', tgt_type: 'glob', user: 'root' };
    await cache.saveLoad({ load, minions: ids, startedAt: startMs }, ['mysql']);
    for (const host of ids.slice(0, Math.min(hosts, returns - j * hosts))) {
      const id = n++ === poisonAt ? `${host}-😀` : host;
      const ret = {
        id, jid, fun: 'cmd.run', fun_args: ['uptime'],
        return: ` 04:33:01 up 3 days, load average: 0.01 ${id}`,
        retcode: 0, success: true, _stamp: new Date().toISOString().replace('Z', '000'),
      };
      await cache.saveReturn(ret, ['mysql']);
    }
  }
}

async function benchPoisonFlush(admin: mysql.Connection, db: string, returner: MysqlReturner, dir: string, returns: number, hosts: number): Promise<PoisonFlushResult> {
  const cache = openLocalCache(join(dir, 'poison.sqlite'));
  try {
    await admin.query(`TRUNCATE \`${db}\`.salt_returns`);
    await queueReturns(cache, returns, hosts, Date.now() - 3_600_000, Math.floor(returns / 2));
    const t0 = process.hrtime.bigint();
    const report = await flushPending({ queue: cache, returners: new Map([['mysql', returner]]), warn: (line) => console.error(line), timeoutMs: 600_000 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const [counted] = await admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${db}\`.salt_returns`);
    const delivered = Number(counted[0]?.['n']);
    return {
      returns,
      delivered,
      setAside: report.queues['mysql']?.setAside ?? 0,
      pending: report.pending,
      seconds: Number(seconds.toFixed(3)),
      returnsPerSecond: Math.round(delivered / seconds),
    };
  } finally {
    await cache.close();
  }
}

export function poisonTable(r: PoisonFlushResult): string {
  const ok = r.delivered === r.returns - 1 && r.setAside === 1 ? 'yes' : 'NO';
  return table(
    ['returns (1 poison)', 'delivered', 'set aside', 'pending', 'seconds', 'returns/s', 'all others delivered'],
    [[r.returns, r.delivered, r.setAside, r.pending, r.seconds, r.returnsPerSecond, ok]],
  );
}

async function globalConnections(admin: mysql.Connection): Promise<number> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Connections'");
  return Number(rows[0]?.['Value']);
}

export async function benchForwarding({ returns = 10_000, hosts = 500, withPoison = true } = {}): Promise<ForwardingResult> {
  const jobs = Math.ceil(returns / hosts);
  const suffix = randomBytes(5).toString('hex');
  const db = `brine_bench_${suffix}`;
  const user = `brine_bench_${suffix}`;
  const pass = randomBytes(9).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'brine-bench-'));
  const admin = await mysql.createConnection({ socketPath: MYSQL_SOCKET, user: 'root' });
  const cache = openLocalCache(join(dir, 'jobs.sqlite'));
  let returner: MysqlReturner | undefined;
  try {
    await admin.query(`CREATE DATABASE \`${db}\` DEFAULT CHARACTER SET utf8`);
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${pass}'`);
    await admin.query(`GRANT ALL ON \`${db}\`.* TO '${user}'@'127.0.0.1'`);
    const opts = { 'mysql.host': '127.0.0.1', 'mysql.port': 3306, 'mysql.user': user, 'mysql.pass': pass, 'mysql.db': db };
    const before = await globalConnections(admin);
    returner = createReturner({ opts });
    await returner.init();

    // Queue everything first: the local cache's own speed is another benchmark's business.
    await queueReturns(cache, returns, hosts, Date.now() - jobs * 1000);

    const t0 = process.hrtime.bigint();
    const report = await flushPending({
      queue: cache,
      returners: new Map([['mysql', returner]]),
      warn: (line) => console.error(line),
      timeoutMs: 600_000,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const opened = (await globalConnections(admin)) - before;
    const [counted] = await admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${db}\`.salt_returns`);
    const n = Number(counted[0]?.['n']);
    return {
      returns: n,
      hosts,
      jobs,
      seconds: Number(seconds.toFixed(3)),
      returnsPerSecond: Math.round(n / seconds),
      connectionsOpened: returner.connectionsOpened(),
      serverConnectionsDelta: opened,
      pending: report.pending,
      ...(withPoison ? { poison: await benchPoisonFlush(admin, db, returner, dir, returns, hosts) } : {}),
    };
  } finally {
    await returner?.close();
    await cache.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchForwarding({ returns: Number(process.argv[2] ?? 10_000) }));
}
