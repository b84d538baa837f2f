/**
 * Python's argument binding, as salt applies it to a function called from the CLI: positionals fill
 * parameters in order, kwargs by name, `*args`/`**kwargs` take the extras. Execution modules and
 * runners word their errors differently, so each passes `fail` to turn a problem into its own error.
 */

/** A Python-like signature: `params` are positional-or-keyword. */
export interface Signature {
  params?: readonly string[];
  /** Names that must be bound (Python's parameters without a default). */
  required?: readonly string[];
  /** Accepts `*args`; the extras land in `BoundArgs.rest`. */
  varargs?: boolean;
  /** Keyword-only names. */
  keywords?: readonly string[];
  /** Accepts `**kwargs`; unknown keywords land in `BoundArgs.extra` instead of being a problem. */
  varkw?: boolean;
}

/** What was wrong with a call; `given` counts the positionals. */
export type BindProblem =
  | { kind: 'too-many-positionals'; given: number }
  | { kind: 'duplicate'; name: string }
  | { kind: 'unknown-keyword'; name: string }
  | { kind: 'missing'; name: string };

export interface BindOptions {
  /** Builds the error thrown for a problem; the first problem found is the one reported. */
  fail: (problem: BindProblem) => Error;
  /** salt passes its publication details as `__pub_*` kwargs; runners drop them. */
  dropsPubKwargs?: boolean;
  /** A required argument given as None (YAML null) counts as missing. */
  isNoneMissing?: boolean;
}

export interface BoundArgs {
  /** Named values (positional or keyword); a name that was not given is absent. */
  values: Record<string, unknown>;
  rest: unknown[];
  extra: Record<string, unknown>;
}

/** Binds YAML-loaded args/kwargs to `signature`; throws `options.fail(problem)` for the first mistake. */
export function bindPythonArgs(
  signature: Signature,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
  options: BindOptions,
): BoundArgs {
  const params = signature.params ?? [];
  const keywords = signature.keywords ?? [];
  if (!signature.varargs && args.length > params.length) {
    throw options.fail({ kind: 'too-many-positionals', given: args.length });
  }
  // No prototype: kwarg names such as `__proto__` or `constructor` are data, never inherited or special.
  const values = Object.create(null) as Record<string, unknown>;
  params.forEach((name, index) => {
    if (index < args.length) values[name] = args[index];
  });
  const rest = args.slice(params.length);
  const extra = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(kwargs)) {
    if (options.dropsPubKwargs && key.startsWith('__pub_')) continue;
    if (params.includes(key)) {
      if (Object.hasOwn(values, key)) throw options.fail({ kind: 'duplicate', name: key });
      values[key] = value;
    } else if (keywords.includes(key)) {
      values[key] = value;
    } else if (signature.varkw) {
      extra[key] = value;
    } else {
      throw options.fail({ kind: 'unknown-keyword', name: key });
    }
  }
  for (const name of signature.required ?? []) {
    const isNone = options.isNoneMissing === true && (values[name] === null || values[name] === undefined);
    if (!Object.hasOwn(values, name) || isNone) throw options.fail({ kind: 'missing', name });
  }
  return { values, rest, extra };
}

/**
 * salt's CLI booleans (YAML 1.1 words): true/yes/on/1 and false/no/off/0/empty, any case; undefined
 * for anything else, so each caller words its own error.
 */
export function parseBoolWord(text: string): boolean | undefined {
  if (/^(true|yes|on|1)$/i.test(text)) return true;
  if (/^(false|no|off|0|)$/i.test(text)) return false;
  return undefined;
}
