import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostReturn } from '../../../src/core/job.js';
import { openLocalCache, type LocalJobCache } from '../../../src/jobcache/local-cache.js';
import { startDriftRun } from '../../../src/run/drift-run.js';
import { jidToDate } from '../../../src/salt/jid.js';

const J1 = '20261128100000000000';
const J2 = '20261128110000000000';

function ret(jid: string, id: string, value: unknown): HostReturn {
  return { id, jid, fun: 'cmd.run', fun_args: [], return: value, retcode: 0, success: true, _stamp: '2026-11-28T17:18:06.000000' };
}

describe('salt-ssh --changes', () => {
  let dir: string;
  let cache: LocalJobCache;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brine-changes-'));
    cache = openLocalCache(join(dir, 'jobs.sqlite'));
    for (const jid of [J1, J2]) {
      const startedAt = jidToDate(jid).getTime();
      await cache.prepJid(new Date(startedAt), jid);
      await cache.saveLoad({ load: { jid, fun: 'cmd.run', arg: ['id'], tgt: '*', tgt_type: 'glob', user: 'root' }, minions: [], startedAt, pid: 1 });
    }
    for (const id of ['web1', 'web2', 'web3']) await cache.saveReturn(ret(J1, id, `uid=0 ${id}`));
    await cache.endJob(J1, jidToDate(J1).getTime() + 1000);
  });
  afterEach(async () => {
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hides unchanged hosts and names how many, and the hosts of the last run that did not return', async () => {
    const run = startDriftRun({ isChangesOnly: true }, {}, cache, () => {});
    expect(await run.isShown(ret(J2, 'web1', 'uid=0 web1'))).toBe(false);
    expect(await run.isShown(ret(J2, 'web2', 'uid=1 web2'))).toBe(true);
    expect(await run.note(J2, false)).toBe(
      `[NOTE    ] --changes: 1 of 2 hosts unchanged since jid ${J1} (not shown); 1 hosts of that run did not return in this one`,
    );
  });

  it('says nothing under cron when nothing changed, so cron sends no mail; a terminal still gets the line', async () => {
    const run = startDriftRun({ isChangesOnly: true }, {}, cache, () => {});
    for (const id of ['web1', 'web2', 'web3']) expect(await run.isShown(ret(J2, id, `uid=0 ${id}`))).toBe(false);
    expect(await run.note(J2, false)).toBeUndefined();
    expect(await run.note(J2, true)).toBe(`[NOTE    ] --changes: 3 of 3 hosts unchanged since jid ${J1} (not shown)`);
  });

  it('shows every host without --changes', async () => {
    const run = startDriftRun({}, {}, cache, () => {});
    expect(await run.isShown(ret(J2, 'web1', 'uid=0 web1'))).toBe(true);
    expect(await run.note(J2, true)).toBeUndefined();
    expect(run.routeFor(['mysql'])).toBeUndefined();
  });
});
