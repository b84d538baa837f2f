import { DEFAULTS } from '../config/defaults.js';
import { clip } from '../config/validate.js';
import { bindPythonArgs, parseBoolWord, type BindProblem, type BoundArgs, type Signature } from '../salt/args.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError, type FunctionCall } from './types.js';

/** A module function's signature, with `required` counting the leading `params` that are mandatory. */
export type ModuleSignature = Omit<Signature, 'required'> & { required?: number };

/** Binds a call's YAML-loaded args/kwargs to a module function's signature, throwing salt's messages for mistakes. */
export function bindArgs(call: FunctionCall, signature: ModuleSignature): BoundArgs {
  const params = signature.params ?? [];
  const required = signature.required ?? 0;
  const short = call.fun.slice(call.fun.lastIndexOf('.') + 1);
  const fail = (problem: BindProblem): ArgumentError => {
    switch (problem.kind) {
      case 'too-many-positionals':
        return new ArgumentError(`Passed invalid arguments: ${tooMany(short, params.length, required, problem.given)}`);
      case 'duplicate':
        return new ArgumentError(`Passed invalid arguments: ${short}() got multiple values for argument '${problem.name}'.`);
      case 'unknown-keyword':
        return new ArgumentError(`${call.fun}: unknown keyword argument '${problem.name}'`);
      case 'missing':
        return new ArgumentError(`${call.fun}: missing required argument '${problem.name}'`);
    }
  };
  return bindPythonArgs({ ...signature, required: params.slice(0, required) }, call.args, call.kwargs, { fail });
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
  const word = typeof value === 'string' ? parseBoolWord(value) : undefined;
  if (word !== undefined) return word;
  throw new ArgumentError(`${fun}: '${name}' must be a boolean, got ${clip(JSON.stringify(value) ?? String(value))}`);
}
