import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { keepJobsSeconds } from '../../../src/salt/retention.js';

describe("keepJobsSeconds (salt's get_keep_jobs_seconds, the one rule for config and retention)", () => {
  it('reads the deprecated keep_jobs hours only while keep_jobs_seconds is at its default; 0 keeps forever', () => {
    expect(keepJobsSeconds({})).toBe(86_400);
    expect(keepJobsSeconds({ keep_jobs: 2 })).toBe(7200);
    expect(keepJobsSeconds({ keep_jobs: 2, keep_jobs_seconds: 86_400 })).toBe(7200);
    expect(keepJobsSeconds({ keep_jobs: 2, keep_jobs_seconds: 60 })).toBe(60);
    expect(keepJobsSeconds({ keep_jobs: 0 })).toBe(0);
    expect(keepJobsSeconds({ keep_jobs: 24, keep_jobs_seconds: 0 })).toBe(0);
    expect(keepJobsSeconds({ keep_jobs: 1.5, keep_jobs_seconds: '86400' })).toBe(5400);
  });

  it('gives the same answer when applied again to the options it resolved', () => {
    for (const opts of [{ keep_jobs: 2 }, { keep_jobs: 0 }, { keep_jobs: 24 }, { keep_jobs_seconds: 5 }, { keep_jobs: 3, keep_jobs_seconds: 9 }]) {
      const once = keepJobsSeconds(opts);
      expect(keepJobsSeconds({ ...opts, keep_jobs_seconds: once }), JSON.stringify(opts)).toBe(once);
    }
  });

  it('refuses a value that is not a non-negative number, naming the key', () => {
    expect(() => keepJobsSeconds({ keep_jobs: 'a day' })).toThrow(ConfigError);
    expect(() => keepJobsSeconds({ keep_jobs_seconds: -5 })).toThrow(/^keep_jobs_seconds: expected a non-negative number, got -5$/);
  });
});
