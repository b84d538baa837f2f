/**
 * The file returners through the real CLI over the sshd harness: `--return rawfile_json` (with
 * event_return), `salt-run returners.init sqlite3` then `--return sqlite3` and sqlite3 as the
 * master_job_cache; and two brine processes appending to one rawfile_json file at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerJid, makeConfigDir, ROOT, runCli } from '../helpers/cli.js';
import { startSshd, type SshdHarness } from '../helpers/sshd.js';

let sshd: SshdHarness;
let knownHosts: string;
let roster: string;
const configs: Array<ReturnType<typeof makeConfigDir>> = [];

beforeAll(async () => {
  sshd = await startSshd();
  knownHosts = sshd.writeKnownHosts();
  roster = sshd.writeRoster(['node1', 'node2']);
});
afterAll(async () => {
  for (const cfg of configs) cfg.cleanup();
  await sshd?.stop();
});

function config(opts: (dir: string) => Record<string, unknown>) {
  const base = makeConfigDir({});
  configs.push(base);
  const cfg = makeConfigDir({ ssh_known_hosts_file: knownHosts, ...opts(base.dir) });
  configs.push(cfg);
  return cfg;
}
const ssh = (cfg: { dir: string }, args: string[]) => runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, ...args]);
const run = (cfg: { dir: string }, args: string[]) => runCli('salt-run', ['-c', cfg.dir, ...args]);
const jsonLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('salt-ssh --return rawfile_json', () => {
  it('appends one line per host and, with event_return, the job events', async () => {
    let file = '';
    const cfg = config((dir) => {
      file = join(dir, 'events');
      return { 'rawfile_json.filename': file, event_return: 'rawfile_json' };
    });
    const res = await ssh(cfg, ['*', 'test.ping', '--return', 'rawfile_json', '-v']);
    expect([res.code, res.stderr]).toEqual([0, '']);
    const jid = bannerJid(res.stdout);
    const lines = jsonLines(file);
    const returns = lines.filter((l) => l['jid'] === jid).map((l) => [l['id'], l['fun'], l['return'], l['success']]).sort();
    expect(returns).toEqual([['node1', 'test.ping', true, true], ['node2', 'test.ping', true, true]]);
    const tags = lines.filter((l) => typeof l['tag'] === 'string').map((l) => l['tag']).sort();
    expect(tags).toEqual([`salt/job/${jid}/new`, `salt/job/${jid}/ret/node1`, `salt/job/${jid}/ret/node2`]);
  });
});

describe('salt-run returners.init sqlite3, then salt-ssh --return sqlite3', () => {
  it('creates the tables, stores salt rows, and serves jobs.lookup_jid as the master_job_cache', async () => {
    let db = '';
    const cfg = config((dir) => {
      db = join(dir, 'salt.db');
      return { 'sqlite3.database': db, 'sqlite3.timeout': 2 };
    });
    const before = await ssh(cfg, ['*', 'test.ping', '--return', 'sqlite3']);
    expect(before.stderr).toMatch(/Returner sqlite3: sqlite3 \S+salt\.db: no such file \(create it with: salt-run returners\.init sqlite3\); \d+ returns pending/);
    const init = await run(cfg, ['returners.init', 'sqlite3', '--out', 'json']);
    expect([init.code, JSON.parse(init.stdout)]).toEqual([0, { sqlite3: `tables jids, salt_returns ready in ${db}` }]);
    // the next run delivers what the first left pending, then its own
    const res = await ssh(cfg, ['*', 'cmd.run', 'echo hi', '--return', 'sqlite3', '-v']);
    expect([res.code, res.stderr]).toEqual([0, '']);
    const jid = bannerJid(res.stdout);
    const rows = execFileSync('sqlite3', ['-json', db, `SELECT fun, id, fun_args, full_ret, success FROM salt_returns WHERE jid = '${jid}' ORDER BY id`], { encoding: 'utf8' });
    expect(JSON.parse(rows)).toEqual(['node1', 'node2'].map((id) => ({ fun: 'cmd.run', id, fun_args: "['echo hi']", full_ret: '"hi"', success: '1' })));
    expect(execFileSync('sqlite3', [db, "SELECT COUNT(*) FROM salt_returns WHERE fun = 'test.ping'"], { encoding: 'utf8' }).trim()).toBe('2');

    const mjc = config(() => ({ 'sqlite3.database': db, master_job_cache: 'sqlite3' }));
    const looked = await run(mjc, ['jobs.lookup_jid', jid, '--out', 'json']);
    expect([looked.code, JSON.parse(looked.stdout)]).toEqual([0, { node1: 'hi', node2: 'hi' }]);
  });
});

describe('two brine processes appending to one rawfile_json file', () => {
  it('keeps every one of their 2,000 lines whole', async () => {
    let file = '';
    config((dir) => {
      file = join(dir, 'events');
      return {};
    });
    // 50 batches of 20 lines each (each batch one lock and one write), the first of each 200 KB, through the built returner
    const script = `
      import { rawfileJsonReturner } from ${JSON.stringify(join(ROOT, 'dist', 'returners', 'rawfile-json.js'))};
      const r = rawfileJsonReturner(process.argv[1]);
      const who = process.argv[2];
      for (let b = 0; b < 50; b++) {
        const rets = Array.from({ length: 20 }, (_, i) => ({ id: who, jid: String(b * 20 + i), fun: 'test.fill', fun_args: [],
          return: i === 0 ? 'x'.repeat(200000) : 'line ' + (b * 20 + i), retcode: 0, success: true, _stamp: '2026-12-02T00:00:00.000000' }));
        await r.returner(rets);
      }`;
    const writer = (who: string) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script, file, who], { stdio: 'inherit' }).on('close', resolve));
    expect(await Promise.all([writer('a'), writer('b')])).toEqual([0, 0]);
    const lines = jsonLines(file);
    expect(lines).toHaveLength(2000);
    for (const who of ['a', 'b']) {
      const seqs = lines.filter((l) => l['id'] === who).map((l) => Number(l['jid'])).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
  });
});
