/** salt's `raw` outputter (salt/output/raw.py): `str(data)`, the Python repr of the dict. */
import type { Outputter } from './types.js';
import { asPrinted, pythonRepr } from '../salt/python.js';

export const raw: Outputter = (data) => asPrinted(pythonRepr(data));
