/**
 * One text per value, whatever the key order: two returns are "the same" (drift, folding) when their
 * canonical JSON is equal. Dict keys are sorted (UTF-16 order: any fixed order will do); lists keep their order.
 */
import { isPlainObject } from './python.js';

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? 'null';
}
