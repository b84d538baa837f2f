/**
 * Everything brine takes from ssh2 beyond its public API, in one place. ssh2 is pinned (1.17.0);
 * test/unit/transport/ssh2-internals.test.ts fails when a version bump removes what this file relies on.
 * At run time a missing internal falls back to ssh2's own behaviour and says so once per transport.
 */
import type { AnyAuthMethod, AuthenticationType, ClientChannel, ParsedKey } from 'ssh2';

/** The ssh2 internals in use, each answering whether it could do its job on this ssh2. */
export interface Ssh2Internals {
  /**
   * After login OpenSSH announces all its host keys (hostkeys-00@openssh.com) and ssh2 asks the server
   * to prove each one: a round trip and a signature per key on both sides, for keys brine never records.
   * Accept the announcement without the proof, as OpenSSH's client does with UpdateHostKeys=no.
   * Call right after `client.connect()`, which creates the protocol object this patches.
   */
  declineHostKeysProof(client: object): boolean;
  /** Sends `signal` on a session channel whose stdin is already ended, where `channel.signal()` does nothing. */
  signalAfterEof(channel: ClientChannel, signal: string): boolean;
}

type GlobalRequestHandler = (proto: { requestSuccess(): void }, name: string, wantReply: boolean, data: unknown) => void;

/** ssh2 1.17: `client._protocol._handlers` holds the message handlers its Protocol calls. */
interface ClientInternals {
  _protocol?: { _handlers?: { GLOBAL_REQUEST?: GlobalRequestHandler } };
}

/** ssh2 1.17: a Channel keeps the server's channel id in `outgoing` and its Client in `_client`. */
interface ChannelInternals {
  outgoing?: { id?: unknown; state?: unknown };
  _client?: { _protocol?: { signal?: unknown } };
}

const HOSTKEYS_ANNOUNCEMENT = 'hostkeys-00@openssh.com';

/** `notice` gets one line per internal that is missing, the first time it is missed. */
export function createSsh2Internals(notice: (line: string) => void): Ssh2Internals {
  const missed = new Set<string>();
  const fallBack = (what: string, effect: string): false => {
    if (!missed.has(what)) {
      missed.add(what);
      notice(`ssh2 internals changed (${what} not found): ${effect}`);
    }
    return false;
  };
  return {
    declineHostKeysProof(client) {
      const handlers = (client as ClientInternals)._protocol?._handlers;
      const original = handlers?.GLOBAL_REQUEST;
      if (handlers === undefined || typeof original !== 'function') {
        return fallBack('client._protocol._handlers.GLOBAL_REQUEST', 'host keys announced after login are proved as ssh2 does');
      }
      handlers.GLOBAL_REQUEST = (proto, name, wantReply, data) => {
        if (name !== HOSTKEYS_ANNOUNCEMENT) return original(proto, name, wantReply, data);
        if (wantReply) proto.requestSuccess();
      };
      return true;
    },
    signalAfterEof(channel, signal) {
      const { outgoing, _client: owner } = channel as unknown as ChannelInternals;
      const protocol = owner?._protocol;
      if (typeof outgoing?.id !== 'number' || typeof outgoing.state !== 'string' || typeof protocol?.signal !== 'function') {
        return fallBack('channel.outgoing / channel._client._protocol.signal', 'a timed-out command after end of stdin waits for the channel close');
      }
      if (outgoing.state === 'closed') return false;
      (protocol.signal as (id: number, name: string) => void).call(protocol, outgoing.id, signal);
      return true;
    },
  };
}

/** ssh2 turns a returned Error into a failed login; @types/ssh2 types the result as a Buffer only. */
export type KeySigner = (data: Buffer | string, algo?: string) => Buffer | Error;

/**
 * A ParsedKey that signs with `sign`. ssh2 recognises a parsed key by a symbol it reads through the
 * prototype chain, so an object inheriting from the key is still one, with every other field intact.
 */
export function keyWithSigner(key: ParsedKey, sign: KeySigner): ParsedKey {
  return Object.create(key, { sign: { value: sign } }) as ParsedKey;
}

/** ssh2 documents `false` as "no more methods to try"; @types/ssh2 leaves it out of the callback's type. */
export function noMoreAuthMethods(next: (method: AuthenticationType | AnyAuthMethod) => void): void {
  next(false as unknown as AuthenticationType);
}
