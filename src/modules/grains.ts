import { bindArgs } from './args.js';
import { buildGrains, readFacts, traverse } from './grains-parse.js';
import { GRAINS_SCRIPT } from './grains-script.js';
import { isPlainObject, pyStr } from '../salt/python.js';
import type { ExecResult } from '../transport/types.js';
import type { ExecutionModule, FunctionCall, FunctionResult, ModuleFunction } from './types.js';

/** The script's output as grains, or the failure as salt-call would report it. */
function withGrains(result: ExecResult, call: FunctionCall, pick: (grains: Record<string, unknown>) => unknown): FunctionResult {
  if (result.exitCode !== 0) return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
  // minion_opts `grains:` are static grains, over the detected ones, as a minion's config grains are
  const configured = call.target.minionOpts?.['grains'];
  const grains = buildGrains(readFacts(result.stdout), call.target.id);
  return { return: pick(isPlainObject(configured) ? { ...grains, ...configured } : grains), retcode: 0 };
}

function delimiterOf(values: Record<string, unknown>): string {
  const delimiter = values['delimiter'];
  return delimiter === undefined || delimiter === null || delimiter === '' ? ':' : pyStr(delimiter);
}

const items: ModuleFunction = {
  doc: `
    Return all of the minion's grains

    CLI Example:

        salt '*' grains.items
    `,
  prepare(call) {
    bindArgs(call, { keywords: ['sanitize'] });
    return { command: GRAINS_SCRIPT };
  },
  parse(result, call) {
    return withGrains(result, call, (grains) => grains);
  },
};

const item: ModuleFunction = {
  doc: `
    Return one or more grains; nested grains are reached with the ':' delimiter.
    A grain that is not set is returned as ''.

    CLI Example:

        salt '*' grains.item os
        salt '*' grains.item os osrelease oscodename
    `,
  prepare(call) {
    bindArgs(call, { varargs: true, keywords: ['delimiter', 'sanitize'] });
    return { command: GRAINS_SCRIPT };
  },
  parse(result, call) {
    const { rest, values } = bindArgs(call, { varargs: true, keywords: ['delimiter', 'sanitize'] });
    const delimiter = delimiterOf(values);
    return withGrains(result, call, (grains) => {
      const picked: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const key of rest.map(pyStr)) {
        const { found, value } = traverse(grains, key, delimiter);
        picked[key] = found ? value : '';
      }
      return picked;
    });
  },
};

const get: ModuleFunction = {
  doc: `
    Attempt to retrieve the named value from grains, if the named value is not
    available return the passed default. The default return is an empty string.

    The value can also represent a value in a nested dict using a ":" delimiter
    for the dict. This means that if a dict in grains looks like this::

        {'pkg': {'apache': 'httpd'}}

    To retrieve the value associated with the apache key in the pkg dict this
    key can be passed::

        pkg:apache

    CLI Example:

        salt '*' grains.get pkg:apache
    `,
  prepare(call) {
    bindArgs(call, { params: ['key', 'default'], required: 1, keywords: ['delimiter', 'ordered'] });
    return { command: GRAINS_SCRIPT };
  },
  parse(result, call) {
    const { values } = bindArgs(call, { params: ['key', 'default'], required: 1, keywords: ['delimiter', 'ordered'] });
    const key = pyStr(values['key']);
    const fallback = Object.hasOwn(values, 'default') ? values['default'] : '';
    return withGrains(result, call, (grains) => {
      const { found, value } = traverse(grains, key, delimiterOf(values));
      return found ? value : fallback;
    });
  },
};

export const executionModule: ExecutionModule = {
  name: 'grains',
  functions: { items, item, get },
};
