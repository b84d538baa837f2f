/**
 * salt's `smtp` returner (salt/returners/smtp_return.py): one plain-text mail per return.
 *
 * Config keys (salt's, via returnerOptions; `<return_config>.smtp.*` first, `--return_kwargs` last):
 * `smtp.from` (required), `smtp.to` (required; comma-separated or a YAML list: one RCPT TO each),
 * `smtp.host` (required), `smtp.port` (25), `smtp.username` + `smtp.password` (AUTH PLAIN/LOGIN when
 * both are set), `smtp.tls` (True: STARTTLS, required; otherwise plain, as salt), `smtp.subject`
 * ('Email from Salt'), `smtp.fields` (return keys whose values are appended to the subject),
 * `smtp.template` (body template file), `smtp.renderer` ('jinja', the only one brine takes).
 * brine's own: `smtp.ca_file` (PEM CAs to trust for STARTTLS besides the system's, e.g. a private relay's).
 * Refused with a one-line error: `smtp.gpgowner` (brine does not encrypt with GnuPG), other renderers,
 * `salt://` templates (brine has no file server).
 *
 * Sends: envelope MAIL FROM `from`, RCPT TO each `to`; headers From, To (joined ', '), Date, Subject,
 * Message-ID `<jid.hash(id)@from-domain>` (the same for a resent mail, so clients can fold duplicates),
 * UTF-8 text/plain (salt's smtplib refuses any non-ASCII mail). Subject and body are rendered with
 * brine's template subset of Jinja (template.ts) from the return's keys (id, jid, fun, fun_args,
 * return, retcode, success, _stamp); the default body is salt's `id: …\r\nfunction: …` text.
 * event_return: one mail per event whose data is not empty, rendered from the event's data, as salt
 * (plus `tag`; id, fun, fun_args, jid and return default to empty for events that lack them).
 *
 * Delivery: one pooled connection per batch (smtp-send.ts). Mail is at-least-once by nature: a mail
 * is sent once per process (a retried batch skips what this process sent), but a crash between the
 * server's 250 and the queue's mark can resend one. Capabilities: events; no job cache, no retention.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HostReturn } from '../core/job.js';
import { ConfigError } from '../errors.js';
import { pyStr } from '../salt/python.js';
import { ReturnerError } from './failure.js';
import { returnerOptions, type OptionSchema } from './options.js';
import { sendMails, type OutgoingMail, type SendLedger, type SmtpServer } from './smtp-send.js';
import { compileTemplate, TemplateError, type Template } from './template.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

/** smtp_return.py's default body template: the chat returners' text (http/message.ts), rendered by the template. */
const SALT_MESSAGE_TEMPLATE = 'id: {{id}}\r\nfunction: {{fun}}\r\nfunction args: {{fun_args}}\r\njid: {{jid}}\r\nreturn: {{return}}\r\n';

export const SMTP_OPTIONS = {
  from: { kind: 'string' },
  to: { kind: 'list' },
  host: { kind: 'string' },
  port: { kind: 'int', default: 25 },
  username: { kind: 'string' },
  password: { kind: 'string' },
  tls: { kind: 'bool', default: false },
  subject: { kind: 'string', default: 'Email from Salt' },
  fields: { kind: 'list', default: [] },
  gpgowner: { kind: 'string' },
  template: { kind: 'string' },
  renderer: { kind: 'string', default: 'jinja' },
  ca_file: { kind: 'string' },
} as const satisfies OptionSchema;

export interface SmtpReturner extends Returner {
  /** Connections opened so far (the bench reports it). */
  connectionsOpened(): number;
}

function required(value: string | undefined, key: string): string {
  if (value === undefined || value.trim() === '') throw new ConfigError(`smtp.${key}: required by the smtp returner`);
  return value.trim();
}

function readConfigFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`smtp.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function createReturner(ctx: ReturnerLoadContext): SmtpReturner {
  const o = returnerOptions('smtp', ctx.opts, ctx, SMTP_OPTIONS);
  if (o.gpgowner !== undefined) throw new ConfigError('smtp.gpgowner: brine does not encrypt mail with GnuPG; remove the key to send plain text');
  if (o.renderer !== undefined && o.renderer.trim().toLowerCase() !== 'jinja') {
    throw new ConfigError(`smtp.renderer: brine renders smtp templates with its Jinja subset only ('jinja'), got '${o.renderer}'`);
  }
  const from = required(o.from, 'from');
  const to = o.to ?? [];
  if (to.length === 0) throw new ConfigError('smtp.to: required by the smtp returner (one address or a comma-separated list)');
  const port = o.port ?? 25;
  if (port < 1 || port > 65535) throw new ConfigError(`smtp.port: expected 1-65535, got ${port}`);
  const server: SmtpServer = {
    host: required(o.host, 'host'),
    port,
    username: o.username,
    password: o.password,
    tls: o.tls === true,
    ca: o.ca_file === undefined ? undefined : Buffer.from(readConfigFile(o.ca_file, 'ca_file')),
  };
  if (o.template?.startsWith('salt://')) throw new ConfigError(`smtp.template: brine has no salt:// file server; give a local file path, got ${o.template}`);
  const body: Template = o.template === undefined
    ? compileTemplate(SALT_MESSAGE_TEMPLATE, 'smtp default template')
    : compileTemplate(readConfigFile(o.template, 'template'), o.template);
  const subject = compileTemplate(o.subject ?? 'Email from Salt', 'smtp.subject');
  const fields = o.fields ?? [];
  const domain = /@([^@>\s]+)>?$/.exec(from)?.[1] ?? 'localhost';
  const ledger: SendLedger = { sent: new Set(), refused: new Map() };
  const closers = new Set<() => void>();
  let connections = 0;

  const compose = (key: string, vars: Record<string, unknown>, idForMessage: string): OutgoingMail => {
    let text: string;
    let title: string;
    try {
      title = subject.render(vars);
      text = body.render(vars);
    } catch (err) {
      if (err instanceof TemplateError) throw new ReturnerError('item', `smtp template: ${err.message}`);
      throw err;
    }
    for (const field of fields) if (Object.hasOwn(vars, field)) title += ` ${pyStr(vars[field])}`;
    const hash = createHash('sha256').update(idForMessage).digest('hex').slice(0, 16);
    return { key, from, to, subject: title.replace(/[\r\n]+/g, ' '), text, messageId: `<${hash}.brine@${domain}>` };
  };

  const send = async (mails: OutgoingMail[]): Promise<void> => {
    let close: (() => void) | undefined;
    try {
      await sendMails(server, mails, ledger, (c) => {
        connections++;
        close = c;
        closers.add(c);
      });
    } finally {
      if (close) closers.delete(close);
    }
  };

  return {
    name: 'smtp',
    capabilities: { jobCache: false, events: true, retention: false },
    async returner(rets: readonly HostReturn[]) {
      const mails = new Map<string, OutgoingMail>();
      for (const ret of rets) {
        const key = `${ret.jid}\0${ret.id}`;
        if (!mails.has(key)) mails.set(key, compose(key, { ...ret }, `${ret.jid}.${ret.id}`));
      }
      await send([...mails.values()]);
    },
    async eventReturn(events: readonly SaltEvent[]) {
      const mails = new Map<string, OutgoingMail>();
      for (const event of events) {
        if (Object.keys(event.data).length === 0) continue;
        const key = `event\0${event.tag}`;
        // a new-job event has no id or return: salt's default template would fail on it
        const vars = { id: '', fun: '', fun_args: [], jid: '', return: '', tag: event.tag, ...event.data };
        if (!mails.has(key)) mails.set(key, compose(key, vars, event.tag));
      }
      await send([...mails.values()]);
    },
    connectionsOpened: () => connections,
    close() {
      for (const close of closers) close();
      closers.clear();
      return Promise.resolve();
    },
  };
}
