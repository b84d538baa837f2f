/**
 * salt's `json` outputter (salt/output/json_out.py): Python's `json.dumps(data, indent=N,
 * ensure_ascii=False)`; keys keep insertion order, `--out-indent -1` prints one line.
 */
import type { Outputter } from './types.js';
import { pyJsonDumps } from '../salt/json.js';

export const json: Outputter = (data, options) => {
  const text = pyJsonDumps(data, options.indent < 0 ? null : options.indent);
  return `${text}\n`;
};
