/** InfluxDB 1.x line protocol and InfluxQL quoting, for the influxdb returner. */
import type { HostReturn } from '../core/job.js';
import { ReturnerError } from './failure.js';
import { saltJson } from './salt-json.js';
import { fullRet } from './sql/rows.js';

/** Tag keys and values: comma, equals sign and space are escaped; a line break cannot be (it ends the point). */
export function tagValue(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new ReturnerError('item', `influxdb: ${what} ${JSON.stringify(value).slice(0, 80)} has a line break, which a tag value cannot hold`);
  return value.replace(/[,= ]/g, (c) => `\\${c}`);
}

/** A string field value, double-quoted with `"` and `\` escaped. */
export function fieldString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An InfluxQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Microseconds since the epoch of salt's `_stamp` (naive UTC, 6 fraction digits); undefined when it is not one. */
export function stampMicros(stamp: string): bigint | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(stamp);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1] ?? ''}Z`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** Microseconds since the epoch of a jid's start time (its 20 digits are UTC down to the microsecond). */
export function jidMicros(jid: string): bigint | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{6})$/.exec(jid);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, us] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1000n + BigInt(us);
}

/**
 * salt's point for a return: measurement `returns`, tags fun, id, jid, fields `return` (JSON of the
 * value) and `full_ret` (JSON of the return without `return`, as salt deletes it), at the return's time.
 */
export function returnPoint(ret: HostReturn, now: () => Date): string {
  const { return: value, ...rest } = fullRet(ret);
  const time = stampMicros(ret._stamp) ?? BigInt(now().getTime()) * 1000n;
  const tags = `fun=${tagValue(ret.fun, 'function')},id=${tagValue(ret.id, 'host id')},jid=${tagValue(ret.jid, 'jid')}`;
  return `returns,${tags} return=${fieldString(saltJson(value))},full_ret=${fieldString(saltJson(rest))} ${time}`;
}

/** salt's point for a load: measurement `jids`, tag jid, field `load`, at the jid's own time (so a second save overwrites). */
export function loadPoint(jid: string, load: unknown, now: () => Date): string {
  const time = jidMicros(jid) ?? BigInt(now().getTime()) * 1000n;
  return `jids,jid=${tagValue(jid, 'jid')} load=${fieldString(saltJson(load))} ${time}`;
}

/** `returns,fun=a,id=b\,c,jid=1` (a SHOW SERIES key) → its tags, unescaped. */
export function seriesTags(key: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of key.split(/(?<!\\),/).slice(1)) {
    const [k = '', v = ''] = part.split(/(?<!\\)=/);
    tags[k.replace(/\\(.)/g, '$1')] = v.replace(/\\(.)/g, '$1');
  }
  return tags;
}
