import { DEFAULTS } from '../config/defaults.js';
import { clip } from '../config/validate.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError, type FunctionCall } from './types.js';

/** A Python-like signature: `params` are positional-or-keyword (the first `required` of them mandatory). */
export interface Signature {
  params?: readonly string[];
  required?: number;
  /** Accepts `*args`; the extras land in `BoundArgs.rest`. */
  varargs?: boolean;
  /** Keyword-only names. */
  keywords?: readonly string[];
  /** Accepts `**kwargs`; unknown keywords land in `BoundArgs.extra` instead of being an error. */
  varkw?: boolean;
}

export interface BoundArgs {
  /** Named values (positional or keyword); a name that was not given is absent. */
  values: Record<string, unknown>;
  rest: unknown[];
  extra: Record<string, unknown>;
}

/** Binds a call's YAML-loaded args/kwargs to a signature, throwing salt's messages for mistakes. */
export function bindArgs(call: FunctionCall, signature: Signature): BoundArgs {
  const params = signature.params ?? [];
  const required = signature.required ?? 0;
  const keywords = signature.keywords ?? [];
  const short = call.fun.slice(call.fun.lastIndexOf('.') + 1);
  if (!signature.varargs && call.args.length > params.length) {
    throw new ArgumentError(`Passed invalid arguments: ${tooMany(short, params.length, required, call.args.length)}`);
  }
  // No prototype: kwarg names such as `__proto__` or `constructor` are data, never inherited or special.
  const values = Object.create(null) as Record<string, unknown>;
  params.forEach((name, index) => {
    if (index < call.args.length) values[name] = call.args[index];
  });
  const rest = call.args.slice(params.length);
  const extra = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(call.kwargs)) {
    if (params.includes(key)) {
      if (Object.hasOwn(values, key)) {
        throw new ArgumentError(`Passed invalid arguments: ${short}() got multiple values for argument '${key}'.`);
      }
      values[key] = value;
    } else if (keywords.includes(key)) {
      values[key] = value;
    } else if (signature.varkw) {
      extra[key] = value;
    } else {
      throw new ArgumentError(`${call.fun}: unknown keyword argument '${key}'`);
    }
  }
  for (const name of params.slice(0, required)) {
    if (!Object.hasOwn(values, name)) throw new ArgumentError(`${call.fun}: missing required argument '${name}'`);
  }
  return { values, rest, extra };
}

function tooMany(short: string, max: number, min: number, given: number): string {
  const takes = min === max ? `${max}` : `from ${min} to ${max}`;
  const noun = max === 1 && min === max ? 'argument' : 'arguments';
  return `${short}() takes ${takes} positional ${noun} but ${given} ${given === 1 ? 'was' : 'were'} given.`;
}

/** Reads an optional `timeout=` in seconds; above 24 days a Node timer would fire at once, so it is refused. */
export function optionalSeconds(fun: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const seconds = typeof value === 'string' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > DEFAULTS.maxTimeoutSec) {
    const limit = `up to ${DEFAULTS.maxTimeoutSec} (24 days)`;
    throw new ArgumentError(`${fun}: ${name} must be a positive number of seconds ${limit}, got '${clip(pyStr(value))}'`);
  }
  return seconds;
}

/** Reads an optional boolean kwarg the way salt's CLI gives it (YAML `true`/`True`/`yes`). */
export function optionalBoolean(fun: string, name: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' && /^(true|yes|on|1)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|no|off|0|)$/i.test(value)) return false;
  throw new ArgumentError(`${fun}: '${name}' must be a boolean, got ${clip(JSON.stringify(value) ?? String(value))}`);
}
