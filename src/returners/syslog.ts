/**
 * salt's `syslog` returner (salt/returners/syslog_return.py): each return as one message to the local
 * syslog daemon.
 *
 * Config keys (salt's, via returnerOptions): `syslog.level` ('LOG_INFO'), `syslog.facility`
 * ('LOG_USER'), `syslog.tag` (salt: the process name; brine: 'salt-ssh'; at most 32 characters),
 * `syslog.options` (a list of LOG_* names: LOG_PID adds brine's pid to the tag; LOG_NDELAY, LOG_ODELAY
 * and LOG_NOWAIT change nothing here, as each batch opens its own connection). brine's own:
 * `syslog.socket` ('/dev/log'), the daemon's unix socket. Refused with a one-line error: an unknown
 * name, LOG_KERN (logger(1) sends it as LOG_USER), LOG_CONS and LOG_PERROR (brine retries a failed
 * write from its queue instead of printing to the console or stderr).
 *
 * Sends: salt's message, Python's `json.dumps(ret)` (", " and ": " separators, non-ASCII as \uXXXX),
 * at priority facility|level, as `<PRI>Mmm dd hh:mm:ss tag: msg` (glibc's local format). Node has no
 * unix datagram sockets, so one `logger -u <socket> -p <facility>.<level> -t <tag> --size 65536` per
 * batch (util-linux, in Debian's essential bsdutils) reads one message per line from stdin. A message
 * over 64 KiB is cut there (rsyslog's own default limit is 8 KiB), where logger would split it in two.
 * Delivery is at-least-once: a batch that fails halfway is sent again. No socket at the path is a
 * one-line returner error (items stay queued); a daemon that does not answer is transient.
 * Capabilities: none (salt's syslog returner has no event_return, no job cache, no retention).
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { ReturnerError } from './failure.js';
import { returnerOptions, type OptionSchema } from './options.js';
import { saltJson } from './salt-json.js';
import type { Returner, ReturnerLoadContext } from './types.js';
import type { HostReturn } from '../core/job.js';

export const SYSLOG_OPTIONS = {
  level: { kind: 'string', default: 'LOG_INFO' },
  facility: { kind: 'string', default: 'LOG_USER' },
  tag: { kind: 'string', default: 'salt-ssh' },
  options: { kind: 'list', default: [] },
  socket: { kind: 'string', default: '/dev/log' },
} as const satisfies OptionSchema;

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FACILITIES = ['user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
const NO_EFFECT = new Set(['LOG_NDELAY', 'LOG_ODELAY', 'LOG_NOWAIT']);
const REFUSED: Readonly<Record<string, string>> = {
  LOG_KERN: 'LOG_KERN is reserved for the kernel (logger sends it as LOG_USER)',
  LOG_CONS: 'LOG_CONS is not supported: brine retries a failed write from its queue instead of printing to the console',
  LOG_PERROR: 'LOG_PERROR is not supported: brine does not copy syslog messages to stderr',
};
const MAX_MESSAGE_BYTES = 65_536;
const CALL_TIMEOUT_MS = 5_000;

function syslogName(value: string, key: string, names: readonly string[]): string {
  const refused = REFUSED[value];
  if (refused !== undefined) throw new ConfigError(`syslog.${key}: ${refused}`);
  const name = value.startsWith('LOG_') ? value.slice(4).toLowerCase() : '';
  if (!names.includes(name)) {
    throw new ConfigError(`syslog.${key}: unknown '${value}'; one of ${names.map((n) => `LOG_${n.toUpperCase()}`).join(', ')}`);
  }
  return name;
}

export function createReturner(ctx: ReturnerLoadContext): Returner {
  const o = returnerOptions('syslog', ctx.opts, ctx, SYSLOG_OPTIONS);
  const priority = `${syslogName(o.facility ?? 'LOG_USER', 'facility', FACILITIES)}.${syslogName(o.level ?? 'LOG_INFO', 'level', LEVELS)}`;
  const tag = o.tag ?? 'salt-ssh';
  if ([...tag].length > 32 || /[\s:[\]]/.test(tag)) throw new ConfigError(`syslog.tag: at most 32 characters without spaces, ':' or brackets, got '${tag.slice(0, 200)}'`);
  let withPid = false;
  for (const option of o.options ?? []) {
    if (REFUSED[option] !== undefined) throw new ConfigError(`syslog.options: ${REFUSED[option]}`);
    if (option === 'LOG_PID') withPid = true;
    else if (!NO_EFFECT.has(option)) throw new ConfigError(`syslog.options: unknown '${option}'; LOG_PID, LOG_NDELAY, LOG_ODELAY or LOG_NOWAIT`);
  }
  const socket = o.socket ?? '/dev/log';
  const args = ['-u', socket, '-p', priority, '-t', tag, '--size', String(MAX_MESSAGE_BYTES), '--socket-errors=on', ...(withPid ? [`--id=${process.pid}`] : [])];

  const send = async (messages: readonly string[]): Promise<void> => {
    if (messages.length === 0) return;
    const isSocket = await stat(socket).then((s) => s.isSocket(), () => false);
    if (!isSocket) {
      throw new ReturnerError('returner', `syslog: no syslog socket at ${socket} (is a syslog daemon running? set syslog.socket to its socket)`);
    }
    // ensure_ascii JSON: one byte per character, so cutting by length keeps it one line of ASCII
    const input = messages.map((m) => (m.length > MAX_MESSAGE_BYTES ? m.slice(0, MAX_MESSAGE_BYTES) : m)).join('\n') + '\n';
    await runLogger(args, input, socket);
  };

  return {
    name: 'syslog',
    capabilities: { jobCache: false, events: false, retention: false },
    returner: (rets: readonly HostReturn[]) => send(rets.map((ret) => saltJson(ret, 'ascii-only'))),
    close: () => Promise.resolve(),
  };
}

/** One logger(1) process for the batch, killed past its deadline; a non-zero exit is transient, with logger's line. */
function runLogger(args: readonly string[], input: string, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CALL_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined); // an early exit is reported by 'close'
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' ? 'logger(1) is not installed (Debian: bsdutils; util-linux elsewhere)' : err.message;
      reject(new ReturnerError(err.code === 'ENOENT' ? 'returner' : 'transient', `syslog: ${why}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const line = stderr.split('\n').find((l) => l.trim() !== '')?.trim();
      const why = signal === 'SIGKILL' ? `no answer from ${socket} within ${CALL_TIMEOUT_MS / 1000}s` : (line ?? `logger exited with ${code}`);
      reject(new ReturnerError('transient', `syslog: ${why}`));
    });
    child.stdin.end(input);
  });
}
