/**
 * `-G`: salt's grain matching (salt/utils/data.py `subdict_match` with the default glob match):
 * `os:Debian`, `kernel:Lin*`, nested `ip_interfaces:eth0:10.*`; a list grain matches when any
 * member does; values compare as lowercased `str()` globs, as salt's `_match` does.
 */
import { fnmatch } from '../salt/fnmatch.js';
import { isPlainObject, pyStr } from '../salt/python.js';

function globMatch(target: unknown, pattern: string): boolean {
  return fnmatch(pyStr(target).toLowerCase(), pattern.toLowerCase());
}

/** salt's traverse_dict_and_list: keys through dicts, indexes (or the first dict holding the key) through lists. */
function traverse(data: unknown, key: string, delimiter: string): { found: boolean; value?: unknown } {
  let current = data;
  for (const part of key.split(delimiter)) {
    if (isPlainObject(current) && Object.hasOwn(current, part)) {
      current = current[part];
    } else if (Array.isArray(current)) {
      const index = /^\d+$/.test(part) ? Number(part) : -1;
      const holder = current.find((item) => isPlainObject(item) && Object.hasOwn(item, part)) as Record<string, unknown> | undefined;
      if (index >= 0 && index < current.length) current = current[index];
      else if (holder !== undefined) current = holder[part];
      else return { found: false };
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

function dictMatch(target: Record<string, unknown>, expr: string, delimiter: string): boolean {
  const isWildcard = expr.startsWith('*:');
  const pattern = isWildcard ? expr.slice(2) : expr;
  if (pattern === '*' || Object.hasOwn(target, pattern)) return true;
  if (subdictMatch(target, pattern, delimiter)) return true;
  if (!isWildcard) return false;
  return Object.values(target).some((value) => {
    if (isPlainObject(value)) return dictMatch(value, pattern, delimiter);
    if (Array.isArray(value)) return value.some((item) => globMatch(item, pattern));
    return globMatch(value, pattern);
  });
}

/** Whether `expr` (`key:pattern`, keys nested with `delimiter`) matches the grains. */
export function subdictMatch(data: Record<string, unknown>, expr: string, delimiter = ':'): boolean {
  const splits = expr.split(delimiter);
  if (splits.length === 1) return false;
  // The longest key first: `a:b:c` tries key `a:b` with pattern `c`, then key `a` with pattern `b:c`.
  for (let idx = splits.length - 1; idx > 0; idx--) {
    const key = splits.slice(0, idx).join(delimiter);
    const pattern = key === '*' ? expr : splits.slice(idx).join(delimiter);
    const { found, value } = key === '*' ? { found: true, value: data } : traverse(data, key, delimiter);
    if (!found) continue;
    if (isPlainObject(value)) {
      if (dictMatch(value, pattern, delimiter)) return true;
    } else if (Array.isArray(value)) {
      if (value.some((member) => (isPlainObject(member) && dictMatch(member, pattern, delimiter)) || globMatch(member, pattern))) return true;
    } else if (globMatch(value, pattern)) {
      return true;
    }
  }
  return false;
}
