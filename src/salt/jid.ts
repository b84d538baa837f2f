/**
 * salt's job ids: the UTC start time as 20 digits, `YYYYMMDDhhmmssffffff` (salt/utils/jid.py).
 * Uniqueness is the job cache's business (`prepJid` retries with `nextJid`), not this file's.
 */

const JID = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{6})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The sub-millisecond digits JS dates lack, from the monotonic clock (spreads same-ms jobs apart). */
function hrtimeMicros(): number {
  return Number(process.hrtime.bigint() / 1000n) % 1000;
}

/** A jid for `now` (UTC); `micros` (0-999) fills the digits below the millisecond. */
export function generateJid(now: Date, micros: number = hrtimeMicros()): string {
  const time = now.getTime();
  if (!Number.isFinite(time)) throw new RangeError('generateJid: invalid date');
  const year = now.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new RangeError(`generateJid: year ${year} does not fit a jid`);
  return (
    pad(year, 4) +
    pad(now.getUTCMonth() + 1, 2) +
    pad(now.getUTCDate(), 2) +
    pad(now.getUTCHours(), 2) +
    pad(now.getUTCMinutes(), 2) +
    pad(now.getUTCSeconds(), 2) +
    pad(now.getUTCMilliseconds(), 3) +
    pad(Math.trunc(micros) % 1000, 3)
  );
}

interface JidParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

function parseJid(jid: string): JidParts | undefined {
  const m = JID.exec(jid);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second, micros] = m.slice(1).map(Number) as [
    number, number, number, number, number, number, number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls Feb 30 over into March; a real jid never does.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return { year, month, day, hour, minute, second, micros };
}

/** 20 digits forming a real UTC date and time (salt also accepts a `_pid` suffix; brine never makes one). */
export function isJid(value: unknown): value is string {
  return typeof value === 'string' && parseJid(value) !== undefined;
}

function partsOf(jid: string): JidParts {
  const parts = parseJid(jid);
  if (parts === undefined) throw new RangeError(`'${jid}' is not a valid jid (20 digits YYYYMMDDhhmmssffffff)`);
  return parts;
}

/** The jid's start time, truncated to the millisecond. */
export function jidToDate(jid: string): Date {
  const p = partsOf(jid);
  return new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, Math.floor(p.micros / 1000)));
}

/** salt's `jid_to_time`: `"2026, Nov 28 17:18:05.987941"` (string slicing: list_jobs calls it per job). */
export function jidToStartTime(jid: string): string {
  const month = /^\d{20}$/.test(jid) ? MONTHS[Number(jid.slice(4, 6)) - 1] : undefined;
  if (month === undefined) throw new RangeError(`'${jid}' is not a valid jid (20 digits YYYYMMDDhhmmssffffff)`);
  return `${jid.slice(0, 4)}, ${month} ${jid.slice(6, 8)} ${jid.slice(8, 10)}:${jid.slice(10, 12)}:${jid.slice(12, 14)}.${jid.slice(14)}`;
}

/** The jid one microsecond later (carrying into seconds, days, months), for collisions. */
export function nextJid(jid: string): string {
  const p = partsOf(jid);
  if (p.micros < 999_999) return jid.slice(0, 14) + pad(p.micros + 1, 6);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + 1000);
  return generateJid(next, 0).slice(0, 14) + '000000';
}

/** salt's `_stamp`: naive UTC ISO-8601 with microseconds, e.g. `2026-11-29T04:33:01.123000`. */
export function saltStamp(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000`;
}
