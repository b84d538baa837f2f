import { readFile } from 'node:fs/promises';
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { clip } from './validate.js';

/** 1-based line:col of a source offset, computed only when reporting an error. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** The property name toJS gives a scalar key: `1` and `"1"` (or `true` and `"true"`) become the same one. */
function jsKey(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? value : String(value);
}

/**
 * yaml's own uniqueKeys check is quadratic per map (5,000 hosts: +250 ms); a Set per map is linear.
 * Keys are compared as the object keys they become, so `1:` and `"1":` cannot silently merge.
 */
function checkDuplicateKeys(doc: Document, text: string, file: string): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = jsKey(pair.key.value);
        if (seen.has(key)) {
          const at = pair.key.range ? `:${position(text, pair.key.range[0])}` : '';
          throw new ConfigError(`${file}${at}: YAML error: duplicate key '${clip(String(key))}'`);
        }
        seen.add(key);
      }
    },
  });
}

/** Parses YAML 1.1 text (salt's PyYAML dialect: `yes` is true, `0022` is 18) in one parseDocument call. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = err.linePos?.[0];
    const where = pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
    const reason = (err.message.split('\n')[0] ?? err.code).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: YAML error: ${reason}`, { cause: err });
  }
  checkDuplicateKeys(doc, text, file);
  try {
    return doc.toJS() as unknown;
  } catch (cause) {
    throw new ConfigError(`${file}: YAML error: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export type ReadResult = { found: true; text: string } | { found: false };

/** Reads a text file; a missing file is `found: false`, any other failure a one-line ConfigError naming `what`. */
export async function readOptionalFile(file: string, what: string): Promise<ReadResult> {
  try {
    return { found: true, text: await readFile(file, 'utf8') };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { found: false };
    const why = code === 'EISDIR' ? ' (it is a directory)' : code === undefined ? '' : ` (${code})`;
    throw new ConfigError(`${what} ${file} is not readable${why}`, { cause });
  }
}
