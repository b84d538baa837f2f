import { describe, expect, it } from 'vitest';
import { generateJid, isJid, jidToDate, jidToStartTime, nextJid } from '../../../src/salt/jid.js';

describe('jid', () => {
  const fixed = new Date(Date.UTC(2026, 10, 28, 17, 18, 5, 987));

  it('is the UTC time as 20 digits YYYYMMDDhhmmssffffff, µs below the ms', () => {
    expect(generateJid(fixed, 941)).toBe('20261128171805987941');
    expect(generateJid(fixed, 0)).toBe('20261128171805987000');
    // The local time zone never leaks in: a date built from a UTC instant gives UTC digits.
    expect(generateJid(new Date('2026-01-01T00:00:00.000+05:00'), 1)).toBe('20251231190000000001');
  });

  it('fills the µs digits itself when not given', () => {
    const jid = generateJid(fixed);
    expect(jid).toMatch(/^20261128171805987\d{3}$/);
    expect(isJid(jid)).toBe(true);
  });

  it('validates: 20 digits forming a real date', () => {
    expect(isJid('20261128171805987941')).toBe(true);
    expect(isJid('20990101000000000000')).toBe(true);
    for (const bad of ['abc', '2026112817180598794', '202611281718059879410', '20261328171805987941', '20260230000000000000', '20261128241805987941', '20261128171805987941_123', 2026112817180598, undefined]) {
      expect(isJid(bad), String(bad)).toBe(false);
    }
  });

  it("converts to salt's StartTime and to a Date", () => {
    expect(jidToStartTime('20261128171805987941')).toBe('2026, Nov 28 17:18:05.987941');
    expect(jidToStartTime('20990101000000000000')).toBe('2099, Jan 01 00:00:00.000000');
    expect(jidToDate('20261128171805987941').toISOString()).toBe('2026-11-28T17:18:05.987Z');
    expect(() => jidToDate('nope')).toThrow(/not a valid jid/);
  });

  it('nextJid adds one microsecond, carrying across seconds, days and years', () => {
    expect(nextJid('20261128171805987941')).toBe('20261128171805987942');
    expect(nextJid('20261128171805999999')).toBe('20261128171806000000');
    expect(nextJid('20261231235959999999')).toBe('20270101000000000000');
    expect(nextJid('20240228235959999999')).toBe('20240229000000000000');
  });
});
