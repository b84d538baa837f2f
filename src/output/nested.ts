/**
 * salt's default `nested` outputter (salt/output/nested.py): `id:`, then the value 4 deeper; dicts
 * print `----------` and sorted `key:` lines, lists `- item`, lists of collections `|_`.
 */
import { Chalk } from 'chalk';
import type { Outputter } from './types.js';
import { compareCodePoints, isPlainObject, pyNumber, pyRstrip, pySplitlines } from '../salt/python.js';

/** salt's palette: CYAN keys, LIGHT_YELLOW (bold yellow) constants, GREEN text, RED failures. */
type Tone = 'cyan' | 'lightYellow' | 'green' | 'red';

interface Segment {
  text: string;
  tone?: Tone;
}
type Line = Segment[];

/** `ok`: salt's normal colours; `failed`: inside an `_error` dict (salt's retcode != 0 scheme); `message`: the `_error` text. */
type Mode = 'ok' | 'failed' | 'message';

function isFailure(value: unknown): boolean {
  return isPlainObject(value) && Object.hasOwn(value, '_error');
}

function modeOf(key: string, child: unknown, parent: Mode): Mode {
  if (isFailure(child)) return 'failed';
  if (parent === 'ok') return 'ok';
  return key === '_error' ? 'message' : 'failed';
}

// salt's ustring(): indent, then colour + prefix + message + reset, then the suffix.
function line(indent: number, tone: Tone, text: string, prefix = '', suffix = ''): Line {
  return [{ text: ' '.repeat(indent) }, { text: prefix + text, tone }, { text: suffix }];
}

function display(value: unknown, indent: number, prefix: string, mode: Mode, out: Line[]): void {
  if (value === null || value === undefined || typeof value === 'boolean') {
    const text = value === null || value === undefined ? 'None' : value ? 'True' : 'False';
    out.push(line(indent, 'lightYellow', text, prefix));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    out.push(line(indent, 'lightYellow', pyNumber(value), prefix));
  } else if (typeof value === 'string') {
    const tone: Tone = mode === 'message' ? 'red' : 'green';
    pySplitlines(value).forEach((text, index) => {
      const linePrefix = index === 0 ? prefix : ' '.repeat(prefix.length);
      // salt's strip_esc_sequence: a host's output must not drive the terminal.
      out.push(line(indent, tone, text.replaceAll('\x1b', '?'), linePrefix));
    });
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item) || isPlainObject(item)) {
        out.push(line(indent, mode === 'ok' ? 'green' : 'red', '|_'));
        display(item, indent + 2, Array.isArray(item) ? '- ' : '', mode, out);
      } else {
        display(item, indent, '- ', mode, out);
      }
    }
  } else if (isPlainObject(value)) {
    if (indent > 0) out.push(line(indent, mode === 'ok' ? 'cyan' : 'red', '----------'));
    for (const key of Object.keys(value).sort(compareCodePoints)) {
      const child = value[key];
      const childMode = modeOf(key, child, mode);
      out.push(line(indent, childMode === 'ok' ? 'cyan' : 'red', key, prefix, ':'));
      display(child, indent + 4, '', childMode, out);
    }
  }
  // Like salt, anything else (functions, symbols) prints nothing.
}

// salt rstrips the joined text; doing it per segment keeps coloured output equal to plain once ANSI is removed.
function rstripLines(lines: Line[]): void {
  while (lines.length > 0) {
    const last = lines[lines.length - 1] ?? [];
    while (last.length > 0) {
      const segment = last[last.length - 1];
      if (segment === undefined) break;
      segment.text = pyRstrip(segment.text);
      if (segment.text !== '') return;
      last.pop();
    }
    lines.pop();
  }
}

export const nested: Outputter = (data, options) => {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const paint: Record<Tone, (text: string) => string> = {
    cyan: chalk.cyan,
    lightYellow: chalk.bold.yellow,
    green: chalk.green,
    red: chalk.red,
  };
  const lines: Line[] = [];
  display(data, 0, '', 'ok', lines);
  rstripLines(lines);
  if (lines.length === 0) return '';
  const text = lines.map((segments) => segments.map((s) => (s.tone === undefined ? s.text : paint[s.tone](s.text))).join(''));
  return `${text.join('\n')}\n`;
};
