import { describe, expect, it } from 'vitest';
import { pickBin } from '../../../src/bundle/multi-call.js';

describe('pickBin: which command the single binary runs', () => {
  it('takes the name it was started by, leaving the arguments alone', () => {
    expect(pickBin('salt-run', ['jobs.list_jobs'])).toEqual({ bin: 'salt-run', args: ['jobs.list_jobs'] });
    expect(pickBin('salt-ssh', ['salt-run', 'cmd.run'])).toEqual({ bin: 'salt-ssh', args: ['salt-run', 'cmd.run'] });
  });

  it('under any other name, a first argument naming a command picks it (multi-call), else salt-ssh', () => {
    expect(pickBin('brine', ['salt-run', 'jobs.active'])).toEqual({ bin: 'salt-run', args: ['jobs.active'] });
    expect(pickBin('brine', ['salt-ssh', '*', 'test.ping'])).toEqual({ bin: 'salt-ssh', args: ['*', 'test.ping'] });
    expect(pickBin('salt-ssh-1.2', ['*', 'test.ping'])).toEqual({ bin: 'salt-ssh', args: ['*', 'test.ping'] });
    expect(pickBin('brine', [])).toEqual({ bin: 'salt-ssh', args: [] });
  });
});
