/**
 * salt's `pprint` outputter (salt/output/pprint_out.py): Python's `pprint.pformat(data)`, with
 * `indent=N` when `--out-indent N` is given. Width 80, dicts sorted, long strings split into
 * implicitly concatenated pieces, as CPython's pprint.PrettyPrinter does.
 */
import type { Outputter } from './types.js';
import { asPrinted, compareCodePoints, isPlainObject, pyNumber, pyStrRepr, pythonRepr } from '../salt/python.js';

const WIDTH = 80;
// Python's str.splitlines(keepends=True) boundaries.
// eslint-disable-next-line no-control-regex -- Python splits on these control characters too
const PY_LINES = /[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]|$)/gu;

/** Python's len(): code points, not UTF-16 units. */
function len(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function sortedEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.keys(value)
    .sort(compareCodePoints)
    .map((key) => [key, value[key]]);
}

/** pprint's `_safe_repr`: the one-line repr, with dict keys sorted (sort_dicts=True). */
function safeRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(safeRepr).join(', ')}]`;
  if (isPlainObject(value)) return `{${sortedEntries(value).map(([k, v]) => `${pyStrRepr(k)}: ${safeRepr(v)}`).join(', ')}}`;
  if (typeof value === 'number' || typeof value === 'bigint') return pyNumber(value);
  return pythonRepr(value);
}

class PrettyPrinter {
  private out = '';

  constructor(private readonly indentPerLevel: number) {}

  render(value: unknown): string {
    this.format(value, 0, 0, 0);
    return this.out;
  }

  private write(text: string): void {
    this.out += text;
  }

  private format(value: unknown, indent: number, allowance: number, level: number): void {
    const rep = safeRepr(value);
    if (len(rep) > WIDTH - indent - allowance) {
      if (isPlainObject(value)) return this.dict(value, indent, allowance, level + 1);
      if (Array.isArray(value)) return this.list(value, indent, allowance, level + 1);
      if (typeof value === 'string' && value !== '') return this.str(value, indent, allowance, level + 1);
    }
    this.write(rep);
  }

  private dict(value: Record<string, unknown>, indent: number, allowance: number, level: number): void {
    this.write('{');
    if (this.indentPerLevel > 1) this.write(' '.repeat(this.indentPerLevel - 1));
    const items = sortedEntries(value);
    const inner = indent + this.indentPerLevel;
    items.forEach(([key, child], i) => {
      const isLast = i === items.length - 1;
      const rep = pyStrRepr(key);
      this.write(`${rep}: `);
      this.format(child, inner + len(rep) + 2, isLast ? allowance + 1 : 1, level);
      if (!isLast) this.write(`,\n${' '.repeat(inner)}`);
    });
    this.write('}');
  }

  private list(value: unknown[], indent: number, allowance: number, level: number): void {
    this.write('[');
    const inner = indent + this.indentPerLevel;
    if (this.indentPerLevel > 1) this.write(' '.repeat(this.indentPerLevel - 1));
    value.forEach((item, i) => {
      const isLast = i === value.length - 1;
      if (i > 0) this.write(`,\n${' '.repeat(inner)}`);
      this.format(item, inner, isLast ? allowance + 1 : 1, level);
    });
    this.write(']');
  }

  /** pprint's `_pprint_str`: pieces split after whitespace, each within the width; wrapped in () at the top level. */
  private str(value: string, indent: number, allowance: number, level: number): void {
    const chunks: string[] = [];
    const lines = value.match(PY_LINES)?.filter((line) => line !== '') ?? [value];
    let ind = indent;
    let allow = allowance;
    if (level === 1) {
      ind += 1;
      allow += 1;
    }
    const maxWidth = WIDTH - ind;
    let maxWidth1 = maxWidth;
    lines.forEach((line, i) => {
      const rep = pyStrRepr(line);
      const isLastLine = i === lines.length - 1;
      if (isLastLine) maxWidth1 -= allow;
      if (len(rep) <= maxWidth1) return void chunks.push(rep);
      const parts = line.match(/\S*\s*/g)?.filter((part) => part !== '') ?? [line];
      let maxWidth2 = maxWidth;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && isLastLine) maxWidth2 -= allow;
        if (len(pyStrRepr(candidate)) > maxWidth2) {
          if (current !== '') chunks.push(pyStrRepr(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current !== '') chunks.push(pyStrRepr(current));
    });
    if (chunks.length === 1) return this.write(pyStrRepr(value));
    if (level === 1) this.write('(');
    this.write(chunks.join(`\n${' '.repeat(ind)}`));
    if (level === 1) this.write(')');
  }
}

/** `pprint.pformat(value, indent=indent)`. */
export function pformat(value: unknown, indent = 1): string {
  return new PrettyPrinter(Math.max(0, indent)).render(value);
}

export const pprint: Outputter = (data, options) => asPrinted(pformat(data, options.requestedIndent ?? 1));
