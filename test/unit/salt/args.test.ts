import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { bindArgs as bindModuleArgs } from '../../../src/modules/args.js';
import { ArgumentError } from '../../../src/modules/types.js';
import { bindArgs as bindRunnerArgs, toBool } from '../../../src/runners/args.js';
import { fakeTarget } from '../modules/run-local.js';
import { bindPythonArgs, parseBoolWord, type BindProblem } from '../../../src/salt/args.js';

class Problem extends Error {
  constructor(readonly problem: BindProblem) {
    super(JSON.stringify(problem));
  }
}
const fail = (problem: BindProblem) => new Problem(problem);
const problemOf = (run: () => unknown): BindProblem | undefined => {
  try {
    run();
  } catch (err) {
    if (err instanceof Problem) return err.problem;
    throw err;
  }
  return undefined;
};

describe('bindPythonArgs (one binder for modules and runners)', () => {
  const sig = { params: ['key', 'default'], required: ['key'], keywords: ['delimiter'] };

  it('binds positionals, keywords, *args and **kwargs as Python does', () => {
    const bound = bindPythonArgs({ params: ['key'], varargs: true, keywords: ['delimiter'], varkw: true }, [1, 2, 3], { delimiter: '|', other: 4 }, { fail });
    expect(bound).toEqual({ values: { key: 1, delimiter: '|' }, rest: [2, 3], extra: { other: 4 } });
  });

  it('reports each mistake as a problem the caller words', () => {
    expect(problemOf(() => bindPythonArgs(sig, [1, 2, 3], {}, { fail }))).toEqual({ kind: 'too-many-positionals', given: 3 });
    expect(problemOf(() => bindPythonArgs(sig, [1], { key: 2 }, { fail }))).toEqual({ kind: 'duplicate', name: 'key' });
    expect(problemOf(() => bindPythonArgs(sig, [1], { nope: 2 }, { fail }))).toEqual({ kind: 'unknown-keyword', name: 'nope' });
    expect(problemOf(() => bindPythonArgs(sig, [], { delimiter: ':' }, { fail }))).toEqual({ kind: 'missing', name: 'key' });
  });

  it('drops __pub_ kwargs and treats None as missing only when asked (runners)', () => {
    expect(problemOf(() => bindPythonArgs(sig, [1], { __pub_fun: 'x' }, { fail }))).toEqual({ kind: 'unknown-keyword', name: '__pub_fun' });
    expect(bindPythonArgs(sig, [1], { __pub_fun: 'x' }, { fail, dropsPubKwargs: true }).values).toEqual({ key: 1 });
    expect(bindPythonArgs(sig, [null], {}, { fail }).values).toEqual({ key: null });
    expect(problemOf(() => bindPythonArgs(sig, [null], {}, { fail, isNoneMissing: true }))).toEqual({ kind: 'missing', name: 'key' });
  });

  it('keeps __proto__ and constructor as data: null-prototype dicts, own-key checks', () => {
    const kwargs = JSON.parse('{"__proto__": 1, "constructor": 2}') as Record<string, unknown>;
    const bound = bindPythonArgs({ params: ['constructor'], varkw: true }, [], kwargs, { fail });
    expect(Object.getPrototypeOf(bound.values)).toBeNull();
    expect(Object.getPrototypeOf(bound.extra)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(bound.extra, '__proto__')?.value).toBe(1);
    expect(bound.values['constructor']).toBe(2);
    expect(problemOf(() => bindPythonArgs({ required: ['constructor'] }, [], {}, { fail }))).toEqual({ kind: 'missing', name: 'constructor' });
  });

  it('is what both callers use, each throwing its own error type and words', () => {
    const call = { fun: 'grains.get', args: [], kwargs: { toString: 1 }, jid: '1', target: fakeTarget() };
    expect(() => bindModuleArgs(call, { params: ['key'], required: 1 })).toThrow(ArgumentError);
    expect(() => bindModuleArgs(call, { params: ['key'], required: 1 })).toThrow("grains.get: unknown keyword argument 'toString'");
    expect(() => bindRunnerArgs('jobs.lookup_jid', ['jid'], ['jid'], [], { toString: 1 })).toThrow(UsageError);
    expect(() => bindRunnerArgs('jobs.lookup_jid', ['jid'], ['jid'], [], { toString: 1 })).toThrow(
      "jobs.lookup_jid: unexpected argument 'toString' (known: jid)",
    );
  });
});

describe('parseBoolWord', () => {
  it("reads salt's CLI booleans in any case and leaves the rest to the caller", () => {
    for (const word of ['true', 'True', 'YES', 'on', '1']) expect(parseBoolWord(word), word).toBe(true);
    for (const word of ['false', 'False', 'no', 'OFF', '0', '']) expect(parseBoolWord(word), word).toBe(false);
    for (const word of ['maybe', ' yes', '2']) expect(parseBoolWord(word), word).toBeUndefined();
    expect(toBool('jobs.lookup_jid', 'missing', ' Yes ', false)).toBe(true);
  });
});
