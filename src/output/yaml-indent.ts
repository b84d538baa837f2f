/**
 * PyYAML's block layout for `safe_dump(indent=N)` (salt's yaml outputter with `--out-indent N`),
 * derived from the indent-2 text: each nesting step becomes N columns, a sequence inside a mapping
 * stays at its mapping's column (PyYAML's indentless sequences), and a `- ` that opens a nested
 * collection is padded to N columns (`-   key: v`), while a `- ` before a scalar stays `- `.
 * Long scalars still fold where the indent-2 layout folded them (PyYAML folds by column).
 */

const LEAD = /^((?: {2}|- )*)(.*)$/s;
// A mapping entry: a plain key (plain scalars never hold ': ' or end in ':'), or a quoted key followed by ':'.
const MAPPING_ENTRY = /^(?:[^'"\s?][^\n]*?|'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")(?::\s|:$)/;

/** Where an unfinished quoted scalar on this line leaves us: inside `'`, `"`, or not in a quote. */
function quoteStateAfter(text: string, state: QuoteState): QuoteState {
  let quote = state;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = undefined;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if ((c === "'" || c === '"') && (i === 0 || /[\s[{,:-]/.test(text[i - 1] ?? ''))) {
      quote = c;
    } else if (c === '#' && i > 0 && text[i - 1] === ' ') {
      break;
    }
  }
  return quote;
}

type QuoteState = "'" | '"' | undefined;

export function reindentYaml(text: string, indent: number): string {
  if (indent === 2) return text;
  const step = ' '.repeat(indent);
  const dash = `-${' '.repeat(Math.max(indent - 1, 1))}`;
  let quote: QuoteState;
  return text
    .split('\n')
    .map((line) => {
      if (quote !== undefined) {
        // A continuation of a quoted scalar: only its leading indentation is structure.
        const spaces = /^ */.exec(line)?.[0].length ?? 0;
        const rest = line.slice(spaces);
        quote = quoteStateAfter(rest, quote);
        return step.repeat(Math.floor(spaces / 2)) + ' '.repeat(spaces % 2) + rest;
      }
      const [, lead = '', rest = ''] = LEAD.exec(line) ?? [];
      const tokens = lead.match(/ {2}|- /g) ?? [];
      const opensCollection = MAPPING_ENTRY.test(rest);
      const out = tokens
        .map((token, i) => {
          if (token === '  ') return step;
          const isLast = i === tokens.length - 1;
          return !isLast || opensCollection ? dash : '- ';
        })
        .join('');
      quote = quoteStateAfter(rest, undefined);
      return out + rest;
    })
    .join('\n');
}
