/** Python's str/repr/splitlines/rstrip semantics, so outputters print what salt's Python prints. */

// Python's str.isprintable() is false for these categories (space is the one printable separator).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
// eslint-disable-next-line no-control-regex -- Python counts \x1c-\x1f as whitespace and line breaks
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;
// eslint-disable-next-line no-control-regex -- see above
const PY_LINE_BREAK = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/u;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's `str.rstrip()`: salt strips every outputter's text before printing it. */
export function pyRstrip(text: string): string {
  return text.replace(PY_WHITESPACE, '');
}

/** Python's `str.splitlines()`: no trailing empty element, `''` gives `[]`. */
export function pySplitlines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(PY_LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** What salt's `display_output` prints for an outputter's text: rstripped, then a newline, or nothing. */
export function asPrinted(text: string): string {
  const stripped = pyRstrip(text);
  return stripped === '' ? '' : `${stripped}\n`;
}

/** Python's repr of a float: shortest round-trip digits, exponent outside 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '0', exp = '0'] = value.toExponential().split('e');
  const exponent = Number(exp);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}.${fracPart === '' ? '0' : fracPart}`;
}

/** A JS number as Python would print it: integral values are ints (JSON cannot tell 1 from 1.0). */
export function pyNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  // Past 1e21 a JSON number was almost surely written as a float.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  return pyFloatRepr(value);
}

function escapeChar(char: string, quote: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case quote:
      return `\\${quote}`;
  }
  if (!NON_PRINTABLE.test(char) || char === ' ') return char;
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`. */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) body += escapeChar(char, quote);
  return `${quote}${body}${quote}`;
}

/** Python's `repr()` of JSON-like data: `{'node1': True}`, `[1, 'a']`, `None`. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return pyNumber(value);
  if (typeof value === 'string') return pyStrRepr(value);
  // YAML 1.1 timestamps in arguments load as dates.
  if (value instanceof Date) return `datetime.datetime(${value.toISOString()})`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    const items = Object.entries(value).map(([k, v]) => `${pyStrRepr(k)}: ${pythonRepr(v)}`);
    return `{${items.join(', ')}}`;
  }
  return pyStrRepr(typeof value === 'symbol' ? value.toString() : typeof value);
}

/** Python's `str()`: strings as they are, anything else as its repr. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python's `sorted()` order for str keys: by code point, not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const diff = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}
