import { parse } from 'yaml';

/** salt's KWARG_REGEX: `name=value`, where name starts with a letter or underscore. */
const KWARG = /^([^\d\W][\w.-]*)=(?!=)(.*)$/su;

export interface ParsedArgs {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * salt's yamlify_arg: a CLI argument becomes the YAML value it spells (`1` → 1, `false` → false,
 * `{"a": 1}` → a dict) unless that would be a string or null, which keeps the original text.
 */
export function yamlifyArg(arg: string): unknown {
  if (arg.trim() === '') return arg;
  const trimmed = arg.trim();
  // `1_000` stays text as in salt; so does an integer JS cannot hold exactly (a 20-digit jid).
  if (/^[\d_]+$/.test(trimmed) && (trimmed.includes('_') || !Number.isSafeInteger(Number(trimmed)))) return arg;
  let parsed: unknown;
  try {
    parsed = parse(arg, { version: '1.1', prettyErrors: false });
  } catch {
    return arg;
  }
  if (parsed === null || parsed === undefined || typeof parsed === 'string') return arg;
  return parsed;
}

/** Splits salt's `ARGS... key=value...` into positional args and kwargs, YAML-loading each value. */
export function parseFunctionArgs(argv: readonly string[]): ParsedArgs {
  const args: unknown[] = [];
  // No prototype: a `__proto__=1` or `constructor=x` kwarg must stay an ordinary key.
  const kwargs = Object.create(null) as Record<string, unknown>;
  for (const arg of argv) {
    const match = KWARG.exec(arg);
    if (match?.[1] !== undefined) kwargs[match[1]] = yamlifyArg(match[2] ?? '');
    else args.push(yamlifyArg(arg));
  }
  return { args, kwargs };
}

/** salt's fun_args: the positional args, then the kwargs as one dict when there are any. */
export function funArgs(parsed: ParsedArgs): unknown[] {
  return Object.keys(parsed.kwargs).length > 0 ? [...parsed.args, { ...parsed.kwargs }] : [...parsed.args];
}
