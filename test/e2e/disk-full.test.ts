/**
 * The job cache on a full disk, for real: the cachedir is a small tmpfs, filled until only a few
 * returns fit. The hosts whose returns could not be committed must be named, and the rest kept.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJid } from '../../src/salt/jid.js';
import { makeConfigDir, runCli } from '../helpers/cli.js';

const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'];
/** Left free on the tmpfs: room for the -shm file and about two returns of `seq 1 25000` (~140 KB each). */
const FREE_BYTES = 400 * 1024;

let cfg: ReturnType<typeof makeConfigDir>;
let roster: string;
let filler: string;
let isMounted = false;

beforeAll(async () => {
  cfg = makeConfigDir();
  roster = join(cfg.dir, 'roster.yaml');
  writeFileSync(roster, HOSTS.map((id) => `${id}:\n  host: 127.0.0.1\n  connection: local\n`).join(''));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', cfg.cachedir]);
  isMounted = true;
  // the cache exists and is migrated before the disk fills, as on a machine whose disk filled over time
  const first = await runCli('salt-ssh', ['-c', cfg.dir, '--roster-file', roster, 'h1', 'test.ping']);
  expect(first.code).toBe(0);
  const fs = statfsSync(cfg.cachedir);
  filler = join(cfg.cachedir, 'filler');
  writeFileSync(filler, Buffer.alloc(fs.bavail * fs.bsize - FREE_BYTES));
});

afterAll(() => {
  if (isMounted) execFileSync('umount', [cfg.cachedir]);
  cfg?.cleanup();
});

describe('job cache on a full disk', () => {
  it('exits 74 with one line naming the hosts whose returns were not committed; the others are kept', async () => {
    const jid = generateJid(new Date());
    const res = await runCli('salt-ssh', [
      '-c', cfg.dir, '--roster-file', roster, '*', 'cmd.run', 'seq 1 25000', '--jid', jid, '--max-procs', '1', '--out', 'json', '--out-indent', '-1',
    ]);
    expect(res.code).toBe(74);
    const lines = res.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const match = /^salt-ssh: error: job cache \S+jobs\.sqlite: database or disk is full; returns not committed for (\d+) of 8 hosts: ([\w, ]+?)(; the job's end was not recorded)?$/.exec(lines[0] ?? '');
    expect(match, res.stderr).not.toBeNull();
    const unsaved = (match?.[2] ?? '').split(', ');
    expect(unsaved).toHaveLength(Number(match?.[1]));
    expect(unsaved.length).toBeGreaterThan(0);
    expect(unsaved.length).toBeLessThan(HOSTS.length);
    // every host ran and was printed, committed or not
    expect(res.stdout.trim().split('\n').map((line) => Object.keys(JSON.parse(line) as object)[0]).sort()).toEqual(HOSTS);

    rmSync(filler);
    const looked = await runCli('salt-run', ['-c', cfg.dir, 'jobs.list_job', jid, '--out', 'json']);
    expect(looked.code).toBe(0);
    const job = JSON.parse(looked.stdout) as { EndTime?: string; Result: Record<string, unknown> };
    expect(Object.keys(job.Result).sort()).toEqual(HOSTS.filter((id) => !unsaved.includes(id)));
    // the job ended, unless the line said its end could not be recorded either
    expect(job.EndTime === undefined).toBe(match?.[3] !== undefined);
  });
});
