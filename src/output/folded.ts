/**
 * brine's `folded` outputter (no salt equivalent; `clush -b`'s gathered view): hosts whose returns
 * are identical print once, under their folded ids and count, smallest group first so the common
 * answer ends the output:
 *
 *   ---------------
 *   web[01-40,42] (41)
 *   ---------------
 *    17:18:06 up 38 min
 *
 * A string prints as it is; anything else as the `nested` outputter prints it. It needs every host
 * at once, so salt-ssh buffers the run under `--out folded` as under `--static`.
 */
import { Chalk } from 'chalk';
import { canonicalJson } from '../salt/canonical-json.js';
import { isPlainObject, pyRstrip } from '../salt/python.js';
import { foldHosts } from './host-ranges.js';
import { nested } from './nested.js';
import type { OutputOptions, Outputter } from './types.js';

const RULE = '-'.repeat(15);

interface Group {
  value: unknown;
  ids: string[];
}

/** Groups ids by identical value, in first-seen order. */
export function groupIdentical(data: Readonly<Record<string, unknown>>): Group[] {
  const groups = new Map<string, Group>();
  for (const [id, value] of Object.entries(data)) {
    const key = canonicalJson(value);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { value, ids: [id] });
    else group.ids.push(id);
  }
  return [...groups.values()];
}

/** A return as text: a string as it is, anything else as `nested` prints it (also jobs.diff's diff input). */
export function renderValue(value: unknown, options: OutputOptions): string {
  if (typeof value === 'string') return pyRstrip(value.replaceAll('\x1b', '?'));
  if (isPlainObject(value)) return pyRstrip(nested(value, options));
  // nested prints a bare list or scalar only under a key: render it under one and drop that line.
  const lines = nested({ _: value }, options).split('\n').slice(1);
  return pyRstrip(lines.map((line) => line.replace(/^ {4}/, '')).join('\n'));
}

function isFailure(value: unknown): boolean {
  return isPlainObject(value) && Object.hasOwn(value, '_error');
}

export const folded: Outputter = (data, options) => {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const groups = groupIdentical(data).map((group) => ({ ...group, label: foldHosts(group.ids) }));
  // Largest group last, as clush -b: the usual answer closes the output, the odd ones are read first.
  groups.sort((a, b) => a.ids.length - b.ids.length || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  let text = '';
  for (const group of groups) {
    const paint = isFailure(group.value) ? chalk.red : chalk.cyan;
    const body = renderValue(group.value, options);
    text += `${RULE}\n${paint(`${group.label} (${group.ids.length})`)}\n${RULE}\n${body === '' ? '' : `${body}\n`}`;
  }
  return text;
};
