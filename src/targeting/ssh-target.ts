/**
 * salt-ssh's `user@host` target (salt/client/ssh/__init__.py `parse_tgt`), plus brine's
 * `user@host:port` and `[v6addr]:port`: the host part is matched against the roster like any glob,
 * and names a host outside the roster when nothing matches.
 */
import { UsageError } from '../errors.js';
import { clip } from '../config/validate.js';

export interface SshTarget {
  /** The glob or host name, without user and port. */
  host: string;
  user?: string;
  port?: number;
}

export function parseSshTarget(tgt: string): SshTarget {
  const at = tgt.indexOf('@');
  const user = at === -1 ? undefined : tgt.slice(0, at);
  let host = at === -1 ? tgt : tgt.slice(at + 1);
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(host);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if ((host.match(/:/g) ?? []).length === 1) {
    // One colon is a port; more is a bare IPv6 address.
    [host = '', portText] = host.split(':');
  }
  if (user === '' || host === '') throw new UsageError(`target '${clip(tgt)}': expected [user@]host[:port]`);
  const out: SshTarget = { host };
  if (user !== undefined) out.user = user;
  if (portText !== undefined) {
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new UsageError(`target '${clip(tgt)}': port must be 1-65535 (got '${clip(portText)}')`);
    out.port = port;
  }
  return out;
}

/** A name that can only mean one host (no glob characters), so it may be contacted outside the roster. */
export function isLiteralHost(host: string): boolean {
  return !/[*?[\]]/.test(host);
}
