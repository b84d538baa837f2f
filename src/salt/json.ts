/**
 * Python's `json.dumps(data, indent=N, ensure_ascii=False, default=repr)` as salt calls it: the
 * `json` outputter prints it and the SQL returners store it, so rows and output match salt's.
 */
import { isPlainObject, pyNumber, pythonRepr } from './python.js';

function number(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return pyNumber(value);
}

function toPlain(value: unknown): unknown {
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
}

/** Python's `json.dumps`: `indent` null means one line with `", "` and `": "`; 0 means newlines only. Keys keep insertion order. */
export function pyJsonDumps(input: unknown, indent: number | null, depth = 0): string {
  const value = toPlain(input);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'bigint') return number(value);
  if (typeof value === 'string') return JSON.stringify(value);
  let items: string[];
  if (Array.isArray(value)) items = value.map((item) => pyJsonDumps(item, indent, depth + 1));
  else if (isPlainObject(value)) {
    items = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyJsonDumps(v, indent, depth + 1)}`);
  } else return JSON.stringify(pythonRepr(value)); // salt's default=repr
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return `${open}${close}`;
  if (indent === null) return `${open}${items.join(', ')}${close}`;
  const inner = `\n${' '.repeat(indent * (depth + 1))}`;
  return `${open}${inner}${items.join(`,${inner}`)}\n${' '.repeat(indent * depth)}${close}`;
}
