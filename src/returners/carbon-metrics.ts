/**
 * Graphite metrics from salt data, as salt's carbon returner walks them, and the two carbon wire
 * formats: plaintext lines and the pickle protocol (protocol 2 of `[(path, (ts, value)), …]`).
 */
import { isPlainObject, pyFloatRepr, pyStr } from '../salt/python.js';
import { ReturnerError } from './failure.js';

export interface Metric {
  path: string;
  value: number;
  timestamp: number;
}

/** Characters that break a plaintext line, make whisper directories or are graphite query syntax. */
// eslint-disable-next-line no-control-regex -- control characters are among the ones replaced
const UNSAFE = /[\s/\\*?[\]{}()"',;\u0000-\u001f\u007f]/g;

/** One name made safe for a metric path; its dots stay hierarchy levels, as in salt, but none is left empty. */
export function pathSegment(name: string): string {
  return name
    .split('.')
    .map((part) => part.replace(UNSAFE, '_') || '_')
    .join('.');
}

const DECIMAL = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** Python's `float(value)` for JSON data; undefined where Python raises (None, text, containers). */
export function pyFloat(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (DECIMAL.test(text)) return Number(text.replace(/_/g, ''));
  const special = SPECIAL.exec(text);
  if (!special) return undefined;
  if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * salt's `_walk`: mapping keys add `.<key>`, list items `.<item>` (brine: `.<index>` for an item that is
 * itself a mapping or list, whose Python repr salt would put in the path), leaves are `float()`ed. A
 * leaf that is not a number is the item's error unless `skip`.
 */
export function walkMetrics(base: string, value: unknown, timestamp: number, skip: boolean): Metric[] {
  const out: Metric[] = [];
  const walk = (path: string, node: unknown): void => {
    if (isPlainObject(node)) {
      for (const [key, child] of Object.entries(node)) walk(`${path}.${pathSegment(key)}`, child);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(`${path}.${isPlainObject(item) || Array.isArray(item) ? i : pathSegment(pyStr(item))}`, item));
    } else {
      const number = pyFloat(node);
      if (number !== undefined) out.push({ path, value: number, timestamp });
      else if (!skip) {
        const shown = JSON.stringify(node)?.slice(0, 60) ?? String(node);
        throw new ReturnerError('item', `carbon: ${path}: ${shown} is not a number (carbon.skip_on_error: True skips such values)`);
      }
    }
  };
  walk(base, value);
  return out;
}

/** Plaintext protocol: `<path> <Python str(float)> <ts>\n` per metric. */
export function textPayload(metrics: readonly Metric[]): Buffer {
  return Buffer.from(metrics.map((m) => `${m.path} ${pyFloatRepr(m.value)} ${m.timestamp}\n`).join(''));
}

/** carbon's pickle receiver refuses messages over 1 MiB: stay well under. */
const MAX_PICKLE_BYTES = 512 * 1024;

function pickleMetric(m: Metric): Buffer {
  const path = Buffer.from(m.path);
  const head = Buffer.alloc(5);
  head.write('X', 0);
  head.writeUInt32LE(path.length, 1);
  // BININT while the time fits 31 bits (until 2038), a float after: carbon float()s it either way
  const fits = m.timestamp >= -(2 ** 31) && m.timestamp < 2 ** 31;
  const ts = Buffer.alloc(fits ? 5 : 9);
  ts.write(fits ? 'J' : 'G', 0);
  if (fits) ts.writeInt32LE(m.timestamp, 1);
  else ts.writeDoubleBE(m.timestamp, 1);
  const value = Buffer.alloc(9);
  value.write('G', 0);
  value.writeDoubleBE(m.value, 1);
  // (path, (ts, value)): two TUPLE2 opcodes
  return Buffer.concat([head, path, ts, value, Buffer.from([0x86, 0x86])]);
}

/** Pickle protocol: `!L` length + pickle of the list, as many messages as the size cap needs. */
export function picklePayload(metrics: readonly Metric[]): Buffer {
  const messages: Buffer[] = [];
  let items: Buffer[] = [];
  let size = 0;
  const flush = (): void => {
    if (items.length === 0) return;
    const body = Buffer.concat([Buffer.from([0x80, 0x02, 0x5d, 0x28]), ...items, Buffer.from('e.')]); // PROTO 2, ], MARK … APPENDS, STOP
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    messages.push(length, body);
    items = [];
    size = 0;
  };
  for (const m of metrics) {
    const item = pickleMetric(m);
    if (size + item.length > MAX_PICKLE_BYTES) flush();
    items.push(item);
    size += item.length;
  }
  flush();
  return Buffer.concat(messages);
}
