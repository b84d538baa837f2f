import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import * as jobs from '../../../src/runners/jobs.js';
import { listRunners, loadRunner } from '../../../src/runners/registry.js';

describe('runner registry', () => {
  it("lists salt's jobs.* functions and brine's jobs.clean, sorted", () => {
    const names = listRunners();
    expect(names).toEqual([...names].sort());
    for (const name of ['jobs.active', 'jobs.clean', 'jobs.exit_success', 'jobs.last_run', 'jobs.list_job', 'jobs.list_jobs', 'jobs.list_jobs_filter', 'jobs.lookup_jid', 'jobs.print_job']) {
      expect(names).toContain(name);
    }
  });

  it('loads a function lazily by its salt name', async () => {
    expect(await loadRunner('jobs.lookup_jid')).toBe(jobs.lookupJid);
    expect(await loadRunner('jobs.list_jobs_filter')).toBe(jobs.listJobsFilter);
    for (const name of listRunners().filter((n) => n.startsWith('jobs.'))) {
      const fn = await loadRunner(name);
      expect(typeof fn.run).toBe('function');
      expect(fn.doc.length).toBeGreaterThan(20);
    }
  });

  it('refuses an unknown name with one line listing what exists', async () => {
    await expect(loadRunner('jobs.nope')).rejects.toBeInstanceOf(UsageError);
    await expect(loadRunner('toString')).rejects.toThrow(/^'toString' is not available; runner functions: .*jobs\.lookup_jid/);
  });
});
