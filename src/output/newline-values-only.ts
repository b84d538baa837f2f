/**
 * salt's `newline_values_only` outputter: the values without ids, one per line; a list value is
 * flattened one level, each item printed with Python's `str()`.
 */
import type { Outputter } from './types.js';
import { asPrinted, pyStr } from '../salt/python.js';

export const newlineValuesOnly: Outputter = (data) => {
  const values = Object.values(data).flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [value]));
  return asPrinted(values.map(pyStr).join('\n'));
};
