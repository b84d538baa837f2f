/**
 * A real SMTP server in the test process (npm smtp-server, parsed with mailparser) on a free loopback
 * port: STARTTLS with a throw-away certificate made by openssl, AUTH PLAIN/LOGIN, a SIZE limit, and a
 * content filter that refuses a mail with 554 (as a spam filter would).
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  subject: string;
  text: string;
  headers: Map<string, unknown>;
  /** The user that logged in, if any; whether the session was under STARTTLS. */
  user: string | undefined;
  isSecure: boolean;
}

export interface SmtpServerOptions {
  /** Offer STARTTLS and require it (and AUTH) before MAIL FROM. */
  tlsAndAuth?: { user: string; pass: string };
  /** The AUTH methods offered (default PLAIN and LOGIN; a client picks PLAIN when both are). */
  authMethods?: string[];
  /** SIZE limit in bytes. */
  size?: number;
  /** A body containing this text is refused at DATA with 554. */
  refuseBodyWith?: string;
}

export interface SmtpTestServer {
  readonly port: number;
  /** The PEM file of the server's self-signed certificate (its own CA). */
  readonly caFile: string;
  readonly mails: ReceivedMail[];
  connections(): number;
  /** Resolves once `count` mails in total were received (rejects after `timeoutMs`). */
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function throwAwayCertificate(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-smtp-'));
  const { key, cert, certFile } = throwAwayCertificate(dir);
  const mails: ReceivedMail[] = [];
  const events = new EventEmitter();
  let connections = 0;
  const auth = options.tlsAndAuth;
  const server = new SMTPServer({
    secure: false,
    key,
    cert,
    logger: false,
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    authOptional: auth === undefined,
    allowInsecureAuth: false,
    ...(auth === undefined ? { disabledCommands: ['STARTTLS', 'AUTH'] } : {}),
    ...(options.size === undefined ? {} : { size: options.size }),
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(login, _session, callback) {
      if (auth && login.username === auth.user && login.password === auth.pass) return callback(null, { user: login.username });
      return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(_address, session, callback) {
      if (auth && (!session.secure || session.user === undefined)) {
        return callback(Object.assign(new Error('5.7.0 Must issue a STARTTLS command and log in first'), { responseCode: 530 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const text = typeof parsed.text === 'string' ? parsed.text : '';
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded === true) {
            return callback(Object.assign(new Error('5.3.4 Message exceeds the fixed maximum message size'), { responseCode: 552 }));
          }
          if (options.refuseBodyWith !== undefined && text.includes(options.refuseBodyWith)) {
            return callback(Object.assign(new Error('5.7.1 Message refused by the content filter'), { responseCode: 554 }));
          }
          const from = session.envelope.mailFrom;
          mails.push({
            envelopeFrom: from === false ? '' : from.address,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text,
            headers: parsed.headers,
            user: typeof session.user === 'string' ? session.user : undefined,
            isSecure: session.secure,
          });
          events.emit('mail');
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    caFile: certFile,
    mails,
    connections: () => connections,
    async waitForMails(count, timeoutMs = 10_000) {
      const deadline = setTimeout(() => events.emit('timeout'), timeoutMs);
      try {
        while (mails.length < count) {
          const [what] = await Promise.race([once(events, 'mail').then(() => ['mail']), once(events, 'timeout').then(() => ['timeout'])]);
          if (what === 'timeout') throw new Error(`waited ${timeoutMs} ms for ${count} mails, got ${mails.length}`);
        }
        return mails;
      } finally {
        clearTimeout(deadline);
      }
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
