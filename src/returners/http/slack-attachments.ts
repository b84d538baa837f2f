/**
 * salt's slack_webhook payload (salt/returners/slack_webhook_return.py, 3007): a `#272727` summary
 * attachment (title `Success: True|False`, text `Function:`/`Function Args:`/`JID:` and, for a state
 * run, `Total:`/`Duration:`), then either one `Return: <value>` attachment (good/danger; a dict is
 * YAML after a newline) or, for a state return, Unchanged/Changed/Failed counters (with the
 * `<sls>.sls | <state id>` tasks as fields when `show_tasks`).
 */
import { hostname } from 'node:os';
import type { HostReturn } from '../../core/job.js';
import { isPlainObject, pyStr, pythonRepr } from '../../salt/python.js';
import { formatReturn } from './message.js';

export interface Attachment {
  fallback?: string;
  color: string;
  author_name?: string;
  author_link?: string;
  author_icon?: string;
  title: string;
  text?: string;
  fields?: Array<{ value: string; short: boolean }>;
}

export interface WebhookLook {
  successTitle: string;
  failureTitle: string;
  authorIcon: string;
  showTasks: boolean;
}

/**
 * salt's `_sprinkle`: `{name}` placeholders filled from grains. salt-ssh fills them from the master's
 * grains, so `{id}` names the master; brine fills `{id}` with the host's id (what the message is
 * about), `{localhost}` with this machine's name, and anything else with '' (a grain salt lacks).
 */
function sprinkle(text: string, id: string): string {
  const parts = text.split('{').flatMap((piece) => piece.split('}'));
  for (let i = 1; i < parts.length; i += 2) {
    parts[i] = parts[i] === 'id' ? id : parts[i] === 'localhost' ? hostname() : '';
  }
  return parts.join('');
}

/** A state return: a non-empty dict whose first value carries `__id__`. */
export function isStateReturn(value: unknown): value is Record<string, Record<string, unknown>> {
  if (!isPlainObject(value)) return false;
  const first = Object.values(value)[0];
  return isPlainObject(first) && '__id__' in first;
}

function isTruthy(value: unknown): boolean {
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

interface StateSummary {
  total: number;
  unchanged: number;
  changed: string[];
  failed: string[];
  seconds: number;
}

function summarize(states: Record<string, Record<string, unknown>>): StateSummary {
  const ordered = Object.entries(states).sort(([, a], [, b]) => Number(a['__run_num__'] ?? 0) - Number(b['__run_num__'] ?? 0));
  const summary: StateSummary = { total: 0, unchanged: 0, changed: [], failed: [], seconds: 0 };
  for (const [key, data] of ordered) {
    const task = `${pyStr(data['__sls__'] ?? null)}.sls | ${key.split('_|-')[1] ?? key}`;
    const isFailed = !isTruthy(data['result'] ?? true);
    const isChanged = isTruthy(data['changes'] ?? {});
    if (isFailed) summary.failed.push(task);
    if (isChanged) summary.changed.push(task);
    summary.total++;
    const ms = Number(data['duration'] ?? 0);
    if (Number.isFinite(ms)) summary.seconds += ms / 1000;
  }
  summary.unchanged = summary.total - summary.failed.length - summary.changed.length;
  return summary;
}

const fields = (tasks: string[], show: boolean) => (show && tasks.length > 0 ? { fields: tasks.map((value) => ({ value, short: false })) } : {});

/** `{attachments: […]}` for one return. */
export function webhookPayload(ret: HostReturn, look: WebhookLook): { attachments: Attachment[] } {
  const isSuccess = ret.retcode === 0;
  const state = isStateReturn(ret.return) ? summarize(ret.return) : undefined;
  let text = `Function: ${ret.fun}\n`;
  if (ret.fun_args.length > 0) text += `Function Args: ${pythonRepr(ret.fun_args.map((arg) => pyStr(arg)))}\n`;
  text += `JID: ${ret.jid}\n`;
  if (state) text += `Total: ${state.total}\nDuration: ${state.seconds.toFixed(2)} secs`;
  const summary: Attachment = {
    fallback: sprinkle(isSuccess ? look.successTitle : look.failureTitle, ret.id),
    color: '#272727',
    author_name: ret.id,
    author_link: sprinkle('{localhost}', ret.id),
    author_icon: look.authorIcon,
    title: `Success: ${isSuccess ? 'True' : 'False'}`,
    text,
  };
  if (state === undefined) {
    const value = isPlainObject(ret.return) ? `\n${formatReturn(ret.return, 'yaml')}` : pyStr(ret.return);
    return { attachments: [summary, { color: isSuccess ? 'good' : 'danger', title: `Return: ${value}` }] };
  }
  return {
    attachments: [
      summary,
      { color: 'good', title: `Unchanged: ${state.unchanged}` },
      { color: 'warning', title: `Changed: ${state.changed.length}`, ...fields(state.changed, look.showTasks) },
      { color: 'danger', title: `Failed: ${state.failed.length}`, ...fields(state.failed, look.showTasks) },
    ],
  };
}
