/**
 * The one message text of salt's chat returners (slack, mattermost, telegram, pushover; smtp's
 * default template is the same): `id: <id>\r\nfunction: <fun>\r\nfunction args: <str(fun_args)>\r\n
 * jid: <jid>\r\nreturn: <X>\r\n`, Python's str() of each value (a list prints as its repr). X is
 * `str(return)` for mattermost and telegram, `pprint.pformat(return)` for slack and pushover, and
 * YAML for slack's `yaml_format`. slack and mattermost wrap the text in triple back-ticks.
 */
import type { HostReturn } from '../../core/job.js';
import { pformat } from '../../output/pprint.js';
import { yaml } from '../../output/yaml.js';
import { isPlainObject, pyStr } from '../../salt/python.js';

/** How the `return:` value is printed: Python str(), pprint.pformat(), or a YAML dump. */
export type ReturnStyle = 'str' | 'pformat' | 'yaml';

function yamlDump(value: unknown): string {
  // PyYAML dumps a scalar as a document with an end marker; salt's message shows it the same way
  if (!isPlainObject(value) && !Array.isArray(value)) return `${pyStr(value)}\n...\n`;
  // the outputter renders any mapping or list, block style, sorted keys, as PyYAML's safe_dump
  return yaml(value as Record<string, unknown>, { color: false, indent: 2 });
}

export function formatReturn(value: unknown, style: ReturnStyle): string {
  if (style === 'pformat') return pformat(value);
  if (style === 'yaml') return yamlDump(value);
  return pyStr(value);
}

/** salt's message for one return. */
export function saltMessage(ret: HostReturn, style: ReturnStyle): string {
  return (
    `id: ${ret.id}\r\n` +
    `function: ${ret.fun}\r\n` +
    `function args: ${pyStr(ret.fun_args)}\r\n` +
    `jid: ${ret.jid}\r\n` +
    `return: ${formatReturn(ret.return, style)}\r\n`
  );
}

/** Slack's and Mattermost's pre-formatted block, as salt sends it. */
export function codeBlock(text: string): string {
  return `\`\`\`${text}\`\`\``;
}
