import { pyJsonDumps } from '../salt/json.js';

/** Characters outside the BMP: 4 bytes in UTF-8, which MySQL's 3-byte `utf8` columns reject. */
const NON_BMP = /[\u{10000}-\u{10FFFF}]/gu;
// eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose
const NON_ASCII = /[^\u0000-\u007f]/gu;

/** What a text column can hold: all of Unicode, the BMP (3-byte utf8), or ASCII (latin1 and others). */
export type TextEncoding = 'utf8mb4' | 'bmp-only' | 'ascii-only';

function escapeUnit(char: string): string {
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * JSON as salt writes it (Python json.dumps: `", "` and `": "` separators, key order kept), so
 * rows look like salt's and salt's own `LIKE '%"fun": "…"%'` filters match. Characters the column
 * cannot hold become `\ud83d\ude00` escapes: still valid JSON decoding to the same text.
 */
export function saltJson(value: unknown, encoding: TextEncoding = 'utf8mb4'): string {
  const normalized: unknown = JSON.parse(JSON.stringify(value ?? null) ?? 'null');
  const text = pyJsonDumps(normalized, null);
  if (encoding === 'bmp-only') return text.replace(NON_BMP, escapeUnit);
  if (encoding === 'ascii-only') return text.replace(NON_ASCII, escapeUnit);
  return text;
}
