import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { compileTemplate, TemplateError } from '../../../src/returners/template.js';

const render = (text: string, vars: Record<string, unknown>) => compileTemplate(text, 'smtp.template').render(vars);

describe('returner templates (brine\'s Jinja subset)', () => {
  it('prints values as Jinja prints them (Python str) and reads lookups', () => {
    const vars = { id: 'web1', fun_args: ['uptime', 1], ok: true, none: null, ret: { out: { lines: ['a', 'b'] }, 'k-1': 2 } };
    expect(render('{{id}} {{ fun_args }} {{ok}} {{ none }} {{ ret }}', vars)).toBe("web1 ['uptime', 1] True None {'out': {'lines': ['a', 'b']}, 'k-1': 2}");
    expect(render("{{ ret.out.lines[1] }} {{ ret['k-1'] }} {{ fun_args[-1] }}", vars)).toBe('b 2 1');
  });

  it('applies default, d, tojson, upper, lower, trim, length, join', () => {
    const vars = { s: ' Hi ', list: ['a', 'b'], empty: '', d: { 'ü': 1 } };
    expect(render('{{ nope|default("x") }} {{ empty|d("y", true) }} {{ empty|default("z") }}|', vars)).toBe('x y |');
    expect(render('{{ d|tojson }} {{ s|trim|upper }} {{ s|lower|trim }} {{ list|length }} {{ list|join(", ") }}', vars)).toBe('{"ü": 1} HI hi 2 a, b');
  });

  it('an undefined variable is an error at render time, as salt\'s StrictUndefined', () => {
    expect(() => render('{{ return.stdout }}', { return: 'text' })).toThrow(TemplateError);
    expect(() => render('{{ missing|upper }}', {})).toThrow("'missing' is undefined (add |default)");
  });

  it('refuses what it cannot render when the template is loaded, naming the file and line', () => {
    const bad: Array<[string, RegExp]> = [
      ['line one\n{% for x in y %}{{ x }}{% endfor %}', /^smtp\.template:2: \{% for x in y %\}: brine's templates take \{\{ variable\|filter \}\} only/],
      ['{{ id + 1 }}', /cannot read '\+ 1'/],
      ['{{ id|frobnicate }}', /unknown filter 'frobnicate'/],
      ['{{ id|default(other) }}', /filter arguments must be literals/],
      ['{{ id ', /an unclosed \{\{/],
    ];
    for (const [text, message] of bad) {
      expect(() => compileTemplate(text, 'smtp.template')).toThrow(ConfigError);
      expect(() => compileTemplate(text, 'smtp.template')).toThrow(message);
    }
    expect(render('{# a comment #}kept', {})).toBe('kept');
  });
});
