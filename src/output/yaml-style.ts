/**
 * PyYAML's choice of scalar style (emitter.py `analyze_scalar` + `choose_scalar_style`, resolver.py
 * YAML 1.1 implicit types), so brine quotes a string exactly when salt's `yaml` outputter does.
 */

export type ScalarStyle = 'plain' | 'single' | 'double';

// PyYAML's implicit resolvers: a plain scalar matching one of these would not read back as a str.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<|=|!|&|\*)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)$/,
];

const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = `\0 \t\r${BREAKS}`;

// With allow_unicode (salt sets it), anything outside these is a "special character": double quotes.
function isSpecial(ch: string): boolean {
  if (ch === '\n' || (ch >= '\x20' && ch <= '\x7e')) return false;
  const code = ch.codePointAt(0) ?? 0;
  const printable = code === 0x85 || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code < 0x10ffff);
  return !printable || code === 0xfeff;
}

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function analyze(text: string): Analysis {
  if (text === '') return { multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = [...text];
  let flowIndicators = text.startsWith('---') || text.startsWith('...');
  let blockIndicators = flowIndicators;
  let lineBreaks = false, special = false, edgeSpace = false, breakSpace = false, spaceBreak = false;
  let previousSpace = false, previousBreak = false, precededByWhitespace = true;
  chars.forEach((ch, index) => {
    const next = chars[index + 1];
    const followedByWhitespace = next === undefined || WHITESPACE.includes(next);
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) flowIndicators = blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (isSpecial(ch)) special = true;
    // Leading/trailing spaces and breaks all just forbid plain style, so one flag serves.
    const isEdge = index === 0 || index === chars.length - 1;
    if (ch === ' ') {
      if (isEdge) edgeSpace = true;
      if (previousBreak) breakSpace = true;
      [previousSpace, previousBreak] = [true, false];
    } else if (BREAKS.includes(ch)) {
      if (isEdge) edgeSpace = true;
      if (previousSpace) spaceBreak = true;
      [previousSpace, previousBreak] = [false, true];
    } else {
      [previousSpace, previousBreak] = [false, false];
    }
    precededByWhitespace = WHITESPACE.includes(ch);
  });
  const noPlain = edgeSpace || breakSpace || spaceBreak || special || lineBreaks;
  return {
    multiline: lineBreaks,
    flowPlain: !noPlain && !flowIndicators,
    blockPlain: !noPlain && !blockIndicators,
    singleQuoted: !(breakSpace || spaceBreak || special),
  };
}

/** The style PyYAML's emitter picks for a str scalar; `isKey` is PyYAML's simple-key context. */
export function scalarStyle(text: string, options: { isKey: boolean; inFlow: boolean }): ScalarStyle {
  const analysis = analyze(text);
  const resolvesAsStr = !IMPLICIT.some((pattern) => pattern.test(text));
  const keyForbidsPlain = options.isKey && (text === '' || analysis.multiline);
  if (resolvesAsStr && !keyForbidsPlain && (options.inFlow ? analysis.flowPlain : analysis.blockPlain)) return 'plain';
  if (analysis.singleQuoted && !(options.isKey && analysis.multiline)) return 'single';
  return 'double';
}
