import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { spawnProxyCommand } from './proxy-command.js';
import { openJumpChain } from './ssh-jump.js';
import { TransportError, type HostTarget, type TransportFailure } from './types.js';

/** How one ssh2 connection is carried: its own TCP connection, or `sock`; `connectTimeoutMs` bounds its connect and banner. */
export interface ClientVia {
  sock?: Duplex;
  connectTimeoutMs: number;
}

export type ClientOpener = (target: HostTarget, via: ClientVia) => Promise<Client>;

export interface Route {
  client: Client;
  /** Ends what carries the connection (jump hosts, the ProxyCommand); call when the client closes. */
  closeRoute(): void;
}

/**
 * Reaches the target directly, through its ProxyCommand, or through its ProxyJump chain. The target's
 * connect timeout bounds each step's connect and banner: every hop's, every forwarded channel's and the
 * target's own (key exchange and authentication have their own budget, transport/connect-timer.ts).
 */
export async function openRoute(target: HostTarget, open: ClientOpener, signal: AbortSignal | undefined): Promise<Route> {
  const connectTimeoutMs = target.connectTimeoutSec * 1000;
  const jumpHosts = target.jumpHosts ?? [];
  if (jumpHosts.length > 0 && target.proxyCommand !== undefined) {
    throw new TransportError('other', `${target.id}: ProxyJump and ProxyCommand are both set; ssh allows one`);
  }
  if (jumpHosts.length > 0) {
    const openHop = (hop: HostTarget, sock: Duplex | undefined) => open(hop, sock === undefined ? { connectTimeoutMs } : { sock, connectTimeoutMs });
    const chain = await openJumpChain(target, jumpHosts, openHop, { connectTimeoutMs, signal });
    return withRoute(open(target, { sock: chain.socket, connectTimeoutMs }), chain.close, (err) => Promise.resolve(err));
  }
  if (target.proxyCommand !== undefined) {
    const proxy = spawnProxyCommand(target.proxyCommand);
    // What the command said on stderr is usually the real reason (nc's "Connection refused", ssh -W's own errors).
    const explain = async (err: TransportError) => {
      const said = await proxy.stopAfterFailure();
      return new TransportError(reasonFrom(err.reason, said), `${err.message} (${said})`, { cause: err });
    };
    return withRoute(open(target, { sock: proxy.socket, connectTimeoutMs }), proxy.close, explain);
  }
  return { client: await open(target, { connectTimeoutMs }), closeRoute: () => undefined };
}

async function withRoute(
  opening: Promise<Client>,
  closeRoute: () => void,
  explain: (err: TransportError) => Promise<TransportError>,
): Promise<Route> {
  let client: Client;
  try {
    client = await opening;
  } catch (err) {
    const explained = err instanceof TransportError ? await explain(err) : err;
    closeRoute();
    throw explained;
  }
  // Whoever ends the connection (the session, the server, a keepalive timeout) ends the route with it.
  client.once('close', closeRoute);
  return { client, closeRoute };
}

/** A connection the ProxyCommand dropped: its own words say why ("Connection refused"), so `_error` does too. */
function reasonFrom(reason: TransportFailure, said: string): TransportFailure {
  if (reason !== 'closed' && reason !== 'other') return reason;
  if (/connection refused/i.test(said)) return 'refused';
  if (/timed out/i.test(said)) return 'timeout';
  if (/could not resolve|name or service not known/i.test(said)) return 'dns';
  return reason;
}
