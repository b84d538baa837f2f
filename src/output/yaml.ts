/**
 * salt's `yaml` outputter (salt/output/yaml_out.py): PyYAML `safe_dump` in block style with sorted
 * keys; `--out-indent -1` gives flow style. Strings are quoted by PyYAML's own rules (yaml-style.ts).
 */
import { Document, Scalar, visit, type ScalarTag } from 'yaml';
import type { Outputter } from './types.js';
import { asPrinted, compareCodePoints, isPlainObject, pyFloatRepr, pyNumber } from '../salt/python.js';
import { scalarStyle, type ScalarStyle } from './yaml-style.js';
import { reindentYaml } from './yaml-indent.js';

// Failsafe schema plus these: no implicit-type regexes, so yaml-style.ts alone decides quoting.
const plain = (identify: (v: unknown) => boolean, tag: string, show: (v: unknown) => string): ScalarTag => ({
  tag: `tag:yaml.org,2002:${tag}`,
  default: true,
  identify,
  resolve: (text) => text,
  stringify: (item) => show(item.value),
});

const TAGS: ScalarTag[] = [
  plain((v) => v === null || v === undefined, 'null', () => 'null'),
  plain((v) => typeof v === 'boolean', 'bool', (v) => (v === true ? 'true' : 'false')),
  plain((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)), 'int', (v) => pyNumber(v as number)),
  plain((v) => typeof v === 'number', 'float', (v) => pyYamlFloat(v as number)),
];

const STYLE_TYPE: Record<ScalarStyle, Scalar.Type> = {
  plain: Scalar.PLAIN,
  single: Scalar.QUOTE_SINGLE,
  double: Scalar.QUOTE_DOUBLE,
};

/** PyYAML's represent_float: repr(), lowercased, `.nan`/`.inf`, and `1.0e+16` rather than `1e+16`. */
function pyYamlFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  const text = pyFloatRepr(value);
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

// PyYAML sorts plain dicts; a Map keeps that order even for integer-like keys.
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value).sort(compareCodePoints);
  return new Map(keys.map((key) => [key, sorted(value[key])]));
}

/** PyYAML's best_indent: `indent` when 1 < indent < 10, else 2 (also without --out-indent). */
function pyYamlIndent(requested: number | undefined): number {
  return requested !== undefined && requested > 1 && requested < 10 ? requested : 2;
}

export const yaml: Outputter = (data, options) => {
  const inFlow = options.indent < 0;
  const doc = new Document(sorted(data), { schema: 'failsafe', customTags: TAGS, version: '1.1' });
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== 'string') return;
      node.type = STYLE_TYPE[scalarStyle(node.value, { isKey: key === 'key', inFlow })];
    },
  });
  const text = doc.toString({
    indent: 2,
    indentSeq: false,
    lineWidth: 80,
    minContentWidth: 0,
    doubleQuotedAsJSON: true,
    flowCollectionPadding: false,
    collectionStyle: inFlow ? 'flow' : 'any',
    directives: false,
  });
  return asPrinted(inFlow ? text : reindentYaml(text, pyYamlIndent(options.requestedIndent)));
};
