/**
 * A port of CPython 3.11 `fnmatch.translate` (salt's glob targeting), emitting a JS RegExp.
 * Semantics are Python's: case-sensitive, `*` crosses `/` and newlines, `[!…]` negates, `^` is
 * literal, `[]]` and `[!]]` work, a `[` without a closing `]` is literal, `[z-a]` matches nothing.
 */

const STAR = Symbol('star');
type Piece = string | typeof STAR;

/** Escapes a literal outside a class for a `u`-flag RegExp (`\-`, `\#`… are syntax errors there). */
function escapeLiteral(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Escapes characters inside a class; JS (unlike Python) needs `]` and `[` escaped even when first. */
function escapeClassText(s: string): string {
  return s.replace(/[\\\][^-]/g, (c) => `\\${c}`);
}

function codePoint(c: string | undefined): number {
  return c === undefined ? -1 : (c.codePointAt(0) ?? -1);
}

/** Translates `[…]` starting after the `[` at index i; returns the regex piece and the next index, or null when unclosed. */
function translateClass(pat: readonly string[], start: number): { piece: string; next: number } | null {
  const n = pat.length;
  let i = start;
  let j = i;
  if (j < n && pat[j] === '!') j += 1;
  if (j < n && pat[j] === ']') j += 1;
  while (j < n && pat[j] !== ']') j += 1;
  if (j >= n) return null;

  const raw = pat.slice(i, j);
  let stuff: string;
  if (!raw.includes('-')) {
    stuff = raw.join('');
    if (stuff === '') return { piece: '(?!)', next: j + 1 };
    if (stuff === '!') return { piece: '.', next: j + 1 };
    stuff = stuff.startsWith('!') ? `^${escapeClassText(stuff.slice(1))}` : escapeClassText(stuff);
    return { piece: `[${stuff}]`, next: j + 1 };
  }

  // Split on range hyphens exactly as CPython does, so `[a-]`, `[--x]` and `[!-a]` agree.
  const chunks: string[][] = [];
  let k = pat[i] === '!' ? i + 2 : i + 1;
  for (;;) {
    let found = -1;
    for (let m = k; m < j; m++) {
      if (pat[m] === '-') {
        found = m;
        break;
      }
    }
    if (found < 0) break;
    chunks.push(pat.slice(i, found));
    i = found + 1;
    k = found + 3;
  }
  const last = pat.slice(i, j);
  if (last.length > 0) chunks.push(last);
  else chunks[chunks.length - 1]?.push('-');
  // Remove empty ranges (z-a), which are invalid in a RegExp.
  for (let m = chunks.length - 1; m > 0; m--) {
    const prev = chunks[m - 1] ?? [];
    const cur = chunks[m] ?? [];
    if (codePoint(prev[prev.length - 1]) > codePoint(cur[0])) {
      chunks[m - 1] = [...prev.slice(0, -1), ...cur.slice(1)];
      chunks.splice(m, 1);
    }
  }
  const plain = chunks.map((c) => c.join('')).join('-');
  if (plain === '') return { piece: '(?!)', next: j + 1 };
  if (plain === '!') return { piece: '.', next: j + 1 };
  const negated = plain.startsWith('!');
  const body = chunks
    .map((c, idx) => escapeClassText((idx === 0 && negated ? c.slice(1) : c).join('')))
    .join('-');
  return { piece: negated ? `[^${body}]` : `[${body}]`, next: j + 1 };
}

/** CPython's `fnmatch.translate`, as a `^…$` RegExp with the `s` and `u` flags. */
export function fnmatchToRegExp(pattern: string): RegExp {
  const pat = Array.from(pattern); // code points, as Python indexes strings
  const pieces: Piece[] = [];
  let i = 0;
  while (i < pat.length) {
    const c = pat[i] as string;
    i += 1;
    if (c === '*') {
      if (pieces[pieces.length - 1] !== STAR) pieces.push(STAR);
    } else if (c === '?') {
      pieces.push('.');
    } else if (c === '[') {
      const cls = translateClass(pat, i);
      if (cls === null) pieces.push('\\[');
      else {
        pieces.push(cls.piece);
        i = cls.next;
      }
    } else {
      pieces.push(escapeLiteral(c));
    }
  }
  return new RegExp(`^${joinStars(pieces)}$`, 'su');
}

/** CPython turns interior `*fixed` into an atomic `(?>.*?fixed)`; JS emulates it with a lookahead + backreference. */
function joinStars(pieces: readonly Piece[]): string {
  let out = '';
  let group = 0;
  let i = 0;
  while (i < pieces.length && pieces[i] !== STAR) out += pieces[i++] as string;
  while (i < pieces.length) {
    i += 1; // the STAR
    if (i === pieces.length) return `${out}.*`;
    let fixed = '';
    while (i < pieces.length && pieces[i] !== STAR) fixed += pieces[i++] as string;
    if (i === pieces.length) return `${out}.*${fixed}`;
    group += 1;
    out += `(?=(.*?${fixed}))\\${group}`;
  }
  return out;
}

/** salt's `fnmatch.fnmatch` on POSIX (no case folding). */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(name);
}
