/**
 * smtp's transport side: one pooled SMTP connection per delivery batch (nodemailer's pool with one
 * connection, closed when the batch is done), the mails sent one after another on it, and each
 * failure mapped to its delivery scope: a 5xx refusal of one mail (RCPT TO, DATA, over the server's
 * SIZE) is that mail's fault (`item`); a refused login, sender or TLS handshake is the returner's
 * (config); a connection error, timeout or 4xx is transient.
 */
import { createTransport } from 'nodemailer';
import { ReturnerError } from './failure.js';

export interface SmtpServer {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** STARTTLS required (salt's `tls: True`); otherwise the connection stays plain, as salt's. */
  tls: boolean;
  ca?: Buffer | undefined;
}

export interface OutgoingMail {
  /** What makes the mail unique (jid and host id): sent at most once per returner instance. */
  key: string;
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  messageId: string;
}

/** Per returner instance: keys sent, and keys the server refused for good (with why). */
export interface SendLedger {
  sent: Set<string>;
  refused: Map<string, string>;
}

const CONNECT_TIMEOUT_MS = 4_000;
const SOCKET_TIMEOUT_MS = 6_000;
/** A batch stops sending after this long and reports the rest transient, under the forwarder's 8 s call deadline. */
const BATCH_BUDGET_MS = 5_000;
const LEDGER_LIMIT = 100_000;

interface MailerError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** The scope of a nodemailer error; `where` is `smtp host:port`. */
export function smtpFailure(err: unknown, where: string): ReturnerError {
  const e = err as MailerError;
  const reply = (e.response ?? e.message).split('\n')[0]?.trim() ?? '';
  const text = `${where}: ${e.command === undefined || e.command === 'API' || e.command === 'CONN' ? '' : `${e.command}: `}${reply}`;
  const code = e.responseCode ?? 0;
  if (e.code === 'EAUTH') return new ReturnerError('returner', `${where}: login refused: ${reply}`, { cause: err });
  if (e.code === 'ETLS' || /certificate|STARTTLS|wrong version number/i.test(e.message)) {
    return new ReturnerError('returner', `${where}: TLS failed: ${reply}`, { cause: err });
  }
  if (e.code === 'EMESSAGE') return new ReturnerError('item', text, { cause: err });
  if (code >= 500 && e.command === 'MAIL FROM') return new ReturnerError('returner', `${where}: sender refused: ${reply}`, { cause: err });
  if (code >= 500) return new ReturnerError('item', text, { cause: err });
  return new ReturnerError('transient', text, { cause: err });
}

/** Keeps a ledger bounded: a long-lived flush forgets its oldest keys first. */
function makeRoom(keys: Set<string> | Map<string, string>): void {
  if (keys.size < LEDGER_LIMIT) return;
  const oldest = keys.keys().next().value;
  if (oldest !== undefined) keys.delete(oldest);
}

/**
 * Sends `mails` over one pooled connection. Mails in `ledger.sent` are skipped (a retried batch sends
 * only the rest); a refused one is recorded and the others still go; then the first refusal is thrown
 * as an item error so the forwarder sets that mail aside. `onTransport` hears of each pool opened
 * (none when every mail was sent before), with the way to close it.
 */
export async function sendMails(server: SmtpServer, mails: readonly OutgoingMail[], ledger: SendLedger, onTransport?: (close: () => void) => void): Promise<void> {
  const where = `smtp ${server.host}:${server.port}`;
  const todo = mails.filter((m) => !ledger.sent.has(m.key) && !ledger.refused.has(m.key));
  const refusedBefore = mails.find((m) => ledger.refused.has(m.key));
  if (todo.length === 0) {
    if (refusedBefore) throw new ReturnerError('item', ledger.refused.get(refusedBefore.key) ?? `${where}: refused`);
    return;
  }
  const transport = createTransport({
    pool: true,
    maxConnections: 1,
    maxMessages: Infinity,
    host: server.host,
    port: server.port,
    secure: false,
    requireTLS: server.tls,
    ignoreTLS: !server.tls,
    ...(server.username && server.password ? { auth: { user: server.username, pass: server.password } } : {}),
    ...(server.ca ? { tls: { ca: server.ca } } : {}),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    dnsTimeout: CONNECT_TIMEOUT_MS,
  });
  onTransport?.(() => transport.close());
  const started = Date.now();
  let firstRefusal: ReturnerError | undefined;
  try {
    for (const [index, mail] of todo.entries()) {
      if (Date.now() - started > BATCH_BUDGET_MS) {
        throw new ReturnerError('transient', `${where}: sent ${index} of ${todo.length} mails in ${BATCH_BUDGET_MS / 1000}s; the rest follow on the next try`);
      }
      try {
        await transport.sendMail({
          from: mail.from,
          to: [...mail.to],
          envelope: { from: mail.from, to: [...mail.to] },
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
          date: new Date(),
        });
        makeRoom(ledger.sent);
        ledger.sent.add(mail.key);
      } catch (err) {
        const failure = smtpFailure(err, where);
        if (failure.scope !== 'item') throw failure;
        makeRoom(ledger.refused);
        ledger.refused.set(mail.key, failure.message);
        firstRefusal ??= failure;
      }
    }
  } finally {
    transport.close();
  }
  if (firstRefusal ?? refusedBefore) throw firstRefusal ?? new ReturnerError('item', ledger.refused.get(refusedBefore?.key ?? '') ?? `${where}: refused`);
}
