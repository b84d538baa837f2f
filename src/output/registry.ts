/** salt's outputter names (`--out`) mapped to brine's outputters. */
import { clip } from '../config/validate.js';
import { UsageError } from '../errors.js';
import type { Outputter } from './types.js';
import { folded } from './folded.js';
import { json } from './json.js';
import { nested } from './nested.js';
import { newlineValuesOnly } from './newline-values-only.js';
import { pprint } from './pprint.js';
import { quiet } from './quiet.js';
import { raw } from './raw.js';
import { txt } from './txt.js';
import { yaml } from './yaml.js';

const OUTPUTTERS: Readonly<Record<string, Outputter>> = Object.freeze({
  folded,
  // salt's highstate outputter renders state runs; brine runs no states, so it shows what salt falls back to: nested
  highstate: nested,
  json,
  nested,
  newline_values_only: newlineValuesOnly,
  pprint,
  quiet,
  raw,
  txt,
  yaml,
});

/** Names accepted by `--out`, sorted. */
export function listOutputters(): string[] {
  return Object.keys(OUTPUTTERS).sort();
}

/** The outputter salt calls `name`; an unknown name is a usage error that lists the valid ones. */
export function getOutputter(name: string): Outputter {
  const outputter = Object.hasOwn(OUTPUTTERS, name) ? OUTPUTTERS[name] : undefined;
  if (outputter === undefined) {
    throw new UsageError(`--out: unknown outputter '${clip(name)}' (valid: ${listOutputters().join(', ')})`);
  }
  return outputter;
}
