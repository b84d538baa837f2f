/**
 * Reads back what Python's `str()` of JSON-like data printed (`['uptime', {'cwd': '/tmp'}, True]`):
 * salt's sqlite3 returner stores `fun_args` that way. Strings, numbers, True/False/None, lists,
 * tuples and dicts; anything else (a `datetime(…)`) is an error for the caller to fall back on.
 */

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
const NUMBER = /^-?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)/i;
const WORDS: Readonly<Record<string, unknown>> = { True: true, False: false, None: null };

export function parsePythonLiteral(text: string): unknown {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`python literal: ${what} at ${at}`);
  };
  const skip = (): void => {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++;
  };

  function str(): string {
    const quote = text[at++];
    let out = '';
    while (at < text.length && text[at] !== quote) {
      const ch = text[at++] ?? '';
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = text[at++] ?? '';
      const width = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
      if (width > 0) {
        const hex = text.slice(at, at + width);
        if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== width) fail('bad escape');
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        at += width;
      } else {
        out += ESCAPES[esc] ?? fail('bad escape');
      }
    }
    if (text[at++] !== quote) fail('unterminated string');
    return out;
  }

  function items(close: string): unknown[] {
    const out: unknown[] = [];
    for (skip(); text[at] !== close; skip()) {
      out.push(value());
      skip();
      if (text[at] === ',') at++;
      else if (text[at] !== close) fail(`expected , or ${close}`);
    }
    at++;
    return out;
  }

  function value(): unknown {
    skip();
    const ch = text[at];
    if (ch === "'" || ch === '"') return str();
    if (ch === '[' || ch === '(') {
      at++;
      return items(ch === '[' ? ']' : ')');
    }
    if (ch === '{') {
      at++;
      const dict: Array<[string, unknown]> = [];
      for (skip(); text[at] !== '}'; skip()) {
        const key = value();
        skip();
        if (text[at++] !== ':') fail('expected :');
        dict.push([typeof key === 'string' ? key : JSON.stringify(key), value()]);
        skip();
        if (text[at] === ',') at++;
        else if (text[at] !== '}') fail('expected , or }');
      }
      at++;
      // fromEntries makes `__proto__` an own key, as Python's dict has it
      return Object.fromEntries(dict);
    }
    const word = /^[A-Za-z]+/.exec(text.slice(at))?.[0];
    if (word !== undefined && Object.hasOwn(WORDS, word)) {
      at += word.length;
      return WORDS[word];
    }
    const num = NUMBER.exec(text.slice(at))?.[0];
    if (num === undefined) return fail('unexpected character');
    at += num.length;
    return Number(num);
  }

  const result = value();
  skip();
  if (at !== text.length) fail('trailing text');
  return result;
}
