/**
 * PostgreSQL's errors as the SQL core needs them: a failure scope from the SQLSTATE (or from node's
 * socket and TLS codes), lost connections, and `?` placeholders numbered for the extended protocol.
 */
import type { FailureScope } from '../failure.js';

/**
 * SQLSTATEs that are the value's fault: class 22 (too long for the varchar, a NUL byte, bad JSON),
 * a NULL in a NOT NULL column, a value too big for an index row.
 */
const ITEM_STATES = new Set(['23502', '54000']);
/** Classes that no retry fixes: auth (28), unknown database (3D), schema or SQL (42), missing schema (3F), unsupported (0A). */
const RETURNER_CLASSES = new Set(['28', '3D', '42', '3F', '0A']);
/** Server shutting down or terminating the session: the next call reconnects. */
const LOST_STATES = new Set(['57P01', '57P02', '57P03']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** A TLS peer that cannot be trusted, or a server without TLS when it is required: settings to fix. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_)/;
export const NO_SSL_MESSAGE = 'The server does not support SSL connections';
const UNDEFINED_TABLE = '42P01';

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function messageOf(err: unknown): string {
  return String((err as { message?: unknown } | null)?.message ?? err);
}

export function pgFailureScope(err: unknown): FailureScope {
  const state = sqlState(err);
  if (state !== undefined) {
    if (state.startsWith('22') || ITEM_STATES.has(state)) return 'item';
    if (RETURNER_CLASSES.has(state.slice(0, 2))) return 'returner';
    return 'transient';
  }
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const message = messageOf(err);
  if (TLS_CODE.test(code) || message === NO_SSL_MESSAGE) return 'returner';
  // pg's SASL/MD5 handshake without a usable password
  if (/^SASL: |password must be a string/.test(message)) return 'returner';
  return 'transient';
}

export function isPgConnectionLost(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return LOST_STATES.has(state);
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const message = messageOf(err);
  return LOST_CODES.has(code) || message.startsWith('Connection terminated') || /is not queryable/.test(message);
}

export function isPgMissingTable(err: unknown): boolean {
  return sqlState(err) === UNDEFINED_TABLE;
}

/** The core's `?` placeholders as `$1, $2…`, leaving quoted literals and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | undefined;
  let out = '';
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  return out;
}
