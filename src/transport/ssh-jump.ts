import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { TransportError, type HostTarget, type TransportFailure } from './types.js';

/** Opens one hop (its own auth and host-key check), over `sock` when it is not the first. */
export type HopOpener = (hop: HostTarget, sock: Duplex | undefined) => Promise<Client>;

export interface JumpChain {
  /** The last hop's channel to the target: the target connection's socket. */
  readonly socket: Duplex;
  /** Ends every hop, last first; safe twice. */
  close: () => void;
}

/**
 * Connects through `target.jumpHosts` as ssh's ProxyJump does: hop 1 directly, each next one through a
 * direct-tcpip channel of the one before. A hop's failure is reported under that hop's name. The target's
 * connect timeout bounds each hop's connect and banner and each channel's opening.
 */
export async function openJumpChain(
  target: HostTarget,
  hops: HostTarget[],
  open: HopOpener,
  { connectTimeoutMs, signal }: { connectTimeoutMs: number; signal: AbortSignal | undefined },
): Promise<JumpChain> {
  const clients: Client[] = [];
  const close = () => {
    for (const client of clients.splice(0).reverse()) client.end();
  };
  let socket: Duplex | undefined;
  try {
    for (const [index, hop] of hops.entries()) {
      const next = hops[index + 1] ?? target;
      const client = await open(hop, socket).catch((err: unknown) => {
        throw hopError(hop, err);
      });
      clients.push(client);
      socket = await forward(client, hop, next, connectTimeoutMs, signal);
    }
  } catch (err) {
    close();
    throw err;
  }
  if (socket === undefined) throw new TransportError('other', `${target.id}: empty jump host list`);
  return { socket, close };
}

/** A direct-tcpip channel from `hop` to `next`, as `ssh -W` opens. */
function forward(client: Client, hop: HostTarget, next: HostTarget, timeoutMs: number, signal: AbortSignal | undefined): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const channelTo = `channel to ${next.host} port ${next.port}`;
    const stop = (err: TransportError) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(hopError(hop, err));
    };
    const onAbort = () => stop(new TransportError('closed', `${channelTo}: aborted`));
    const timer = setTimeout(() => stop(new TransportError('timeout', `${channelTo}: Connection timed out`)), timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      client.forwardOut('127.0.0.1', 0, next.host, next.port, (err, channel) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!err) return resolve(channel);
        // sshd's reason is its connect(2) error ("Connection refused"), as ssh prints it after "open failed".
        const said = err.message.replace(/^\(SSH\) Channel open failure: /, '');
        reject(hopError(hop, new TransportError(channelFailure(said), `${channelTo}: ${said}`, { cause: err })));
      });
    } catch (err) {
      stop(new TransportError('closed', `${channelTo}: ${(err as Error).message}`));
    }
  });
}

function channelFailure(said: string): TransportFailure {
  if (/refused/i.test(said)) return 'refused';
  if (/timed out/i.test(said)) return 'timeout';
  if (/resolve|name or service/i.test(said)) return 'dns';
  return 'other';
}

/** The hop's error, its reason kept (so `_error` reads "Connection refused"), its text naming the hop. */
function hopError(hop: HostTarget, err: unknown): TransportError {
  const prefix = `jump host ${hop.id} (${hop.host}:${hop.port})`;
  if (err instanceof TransportError) return new TransportError(err.reason, `${prefix}: ${err.message}`, { cause: err });
  return new TransportError('other', `${prefix}: ${(err as Error).message}`, { cause: err });
}
