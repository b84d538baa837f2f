/**
 * brine's template language for returner messages (smtp's `subject` and `template`): the part of
 * Jinja that message templates use, with Jinja's output for it. `{{ expr }}` where expr is a variable
 * with `.attr`, `['key']` or `[0]` lookups and `|filter` / `|filter(args)` (default/d, tojson, upper,
 * lower, trim, string, length, join); `{# comments #}`. Values print as Jinja prints them (Python's
 * `str()`: `['uptime']`, `{'a': 1}`, `True`). An undefined variable is an error, as with salt's
 * StrictUndefined, unless `|default` handles it. `{% %}` blocks (if, for, set…) are refused when the
 * template is loaded: no silent half-rendering. No npm template package: nunjucks would be a new dependency.
 */
import { ConfigError } from '../errors.js';
import { pyJsonDumps } from '../salt/json.js';
import { isPlainObject, pyStr } from '../salt/python.js';

type Literal = string | number | boolean | null;
interface Filter {
  name: string;
  args: Literal[];
}
interface Expression {
  path: Array<string | number>;
  filters: Filter[];
  source: string;
}
type Part = string | Expression;

/** A parsed template: `render(vars)` throws TemplateError for a variable that is not there. */
export interface Template {
  render(vars: Readonly<Record<string, unknown>>): string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const UNDEFINED = Symbol('undefined');
const FILTERS = new Set(['default', 'd', 'tojson', 'upper', 'lower', 'trim', 'string', 'length', 'count', 'join']);
const TOKEN = /\{\{([\s\S]*?)\}\}|\{#[\s\S]*?#\}|\{%([\s\S]*?)%\}/g;

/** Parses `text`; `where` names the key or file for the one-line ConfigError a bad template gives. */
export function compileTemplate(text: string, where: string): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const line = text.slice(0, match.index).split('\n').length;
    if (match.index > last) parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== undefined) {
      throw new ConfigError(`${where}:${line}: {%${match[2]}%}: brine's templates take {{ variable|filter }} only, no {% %} blocks`);
    }
    if (match[1] !== undefined) parts.push(parseExpression(match[1], `${where}:${line}`));
  }
  if (last < text.length) parts.push(text.slice(last));
  const open = parts.find((p): p is string => typeof p === 'string' && /\{\{|\{%|\{#/.test(p));
  if (open !== undefined) throw new ConfigError(`${where}: an unclosed {{, {% or {# in the template`);
  return { render: (vars) => parts.map((p) => (typeof p === 'string' ? p : evaluate(p, vars))).join('') };
}

const SEGMENT = /^\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(?:(-?\d+)|'([^']*)'|"([^"]*)")\s*\])/;

function parseExpression(source: string, where: string): Expression {
  const bad = (why: string) => new ConfigError(`${where}: {{${source}}}: ${why}`);
  const [head = '', ...filterTexts] = splitOutsideQuotes(source, '|');
  const name = /^\s*([A-Za-z_]\w*)/.exec(head);
  if (!name?.[1]) throw bad('expected a variable name');
  const path: Array<string | number> = [name[1]];
  let rest = head.slice(name[0].length);
  for (let seg = SEGMENT.exec(rest); seg; seg = SEGMENT.exec(rest)) {
    path.push(seg[2] !== undefined ? Number(seg[2]) : (seg[1] ?? seg[3] ?? seg[4] ?? ''));
    rest = rest.slice(seg[0].length);
  }
  if (rest.trim() !== '') throw bad(`cannot read '${rest.trim()}' (brine's templates take variables, lookups and filters only)`);
  const filters = filterTexts.map((f) => parseFilter(f, bad));
  return { path, filters, source: source.trim() };
}

function parseFilter(text: string, bad: (why: string) => Error): Filter {
  const m = /^\s*([A-Za-z_]\w*)\s*(?:\(([\s\S]*)\))?\s*$/.exec(text);
  if (!m?.[1]) throw bad(`bad filter '${text.trim()}'`);
  if (!FILTERS.has(m[1])) throw bad(`unknown filter '${m[1]}' (brine has ${[...FILTERS].join(', ')})`);
  const args = m[2] === undefined || m[2].trim() === '' ? [] : splitOutsideQuotes(m[2], ',').map((a) => parseLiteral(a, bad));
  return { name: m[1], args };
}

function parseLiteral(text: string, bad: (why: string) => Error): Literal {
  const t = text.trim();
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(t);
  if (quoted) return quoted[1] ?? quoted[2] ?? '';
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  if (t === 'none' || t === 'None') return null;
  throw bad(`filter arguments must be literals, got '${t}'`);
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === separator) {
      out.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  out.push(current);
  return out;
}

function lookup(vars: Readonly<Record<string, unknown>>, path: ReadonlyArray<string | number>): unknown {
  let value: unknown = vars;
  for (const key of path) {
    if (typeof key === 'number' && Array.isArray(value)) value = key < 0 ? value[value.length + key] : value[key];
    else if (isPlainObject(value) && Object.hasOwn(value, String(key))) value = value[String(key)];
    else return UNDEFINED;
    if (value === undefined) return UNDEFINED;
  }
  return value;
}

function evaluate(expr: Expression, vars: Readonly<Record<string, unknown>>): string {
  let value = lookup(vars, expr.path);
  for (const filter of expr.filters) value = applyFilter(filter, value, expr);
  if (value === UNDEFINED) throw new TemplateError(`{{ ${expr.source} }}: '${expr.path.join('.')}' is undefined (add |default)`);
  return pyStr(value);
}

function applyFilter({ name, args }: Filter, value: unknown, expr: Expression): unknown {
  if (name === 'default' || name === 'd') {
    const isFalsy = value === null || value === false || value === '' || value === 0 || (Array.isArray(value) && value.length === 0);
    return value === UNDEFINED || (args[1] === true && isFalsy) ? (args[0] ?? '') : value;
  }
  if (value === UNDEFINED) throw new TemplateError(`{{ ${expr.source} }}: '${expr.path.join('.')}' is undefined (add |default)`);
  switch (name) {
    case 'tojson':
      return pyJsonDumps(value, null);
    case 'upper':
      return pyStr(value).toUpperCase();
    case 'lower':
      return pyStr(value).toLowerCase();
    case 'trim':
      return pyStr(value).trim();
    case 'string':
      return pyStr(value);
    case 'length':
    case 'count':
      return typeof value === 'string' ? [...value].length : Array.isArray(value) ? value.length : isPlainObject(value) ? Object.keys(value).length : 0;
    default: // join
      return Array.isArray(value) ? value.map(pyStr).join(String(args[0] ?? '')) : pyStr(value);
  }
}
