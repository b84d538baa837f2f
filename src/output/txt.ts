/** salt's `txt` outputter (salt/output/txt.py): `id: line` per line of a string, `id: str(value)` otherwise. */
import type { Outputter } from './types.js';
import { asPrinted, pySplitlines, pyStr } from '../salt/python.js';

export const txt: Outputter = (data) => {
  let text = '';
  for (const [id, value] of Object.entries(data)) {
    if (typeof value === 'string') {
      // Like salt, an empty string prints no line at all.
      for (const line of pySplitlines(value)) text += `${id}: ${line}\n`;
    } else {
      text += `${id}: ${pyStr(value)}\n`;
    }
  }
  return asPrinted(text);
};
