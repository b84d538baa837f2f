/**
 * OpenSSH's ConnectTimeout semantics for one connection: the connect timeout covers the TCP connect (or
 * the jump channel / ProxyCommand start) and the server's banner only. Key exchange and authentication
 * then get their own budget, based on progress: they fail when the server has sent nothing for
 * `idleMs`, or when they have taken `maxMs` in all (sshd's default LoginGraceTime), never at the
 * connect timeout. A loaded server that answers slowly is waited for, as ssh waits.
 */
import type { Duplex } from 'node:stream';
import type { ConnectStage } from './types.js';

export interface HandshakeBudget {
  /** Key exchange and authentication fail once the server has been silent this long. */
  idleMs: number;
  /** …or once they have taken this long in all. */
  maxMs: number;
}

/** 30 s of server silence, 120 s in all (sshd's LoginGraceTime); a connect timeout above 30 s raises the idle limit to it. */
export const DEFAULT_HANDSHAKE_BUDGET: HandshakeBudget = Object.freeze({ idleMs: 30_000, maxMs: 120_000 });

/** Bytes searched for the server's identification line (RFC 4253 allows lines before it). */
const BANNER_SEARCH_BYTES = 8192;

export interface ConnectTimer {
  readonly stage: ConnectStage;
  /** The connection is logged in (or failed): no more timers. */
  stop(): void;
}

export interface ConnectTimerOptions {
  connectTimeoutMs: number;
  budget: HandshakeBudget;
  /** Whether the socket still has its TCP connect ahead (a socket brine connects itself). */
  isConnecting: boolean;
  onTimeout(stage: ConnectStage): void;
}

/**
 * Watches `sock` (the one ssh2 reads) from its connect to login. Its data is watched only once ssh2
 * reads it ('resume'), so watching never makes the stream flow before ssh2 listens.
 */
export function watchConnect(sock: Duplex, options: ConnectTimerOptions): ConnectTimer {
  const { budget } = options;
  const idleMs = Math.max(budget.idleMs, options.connectTimeoutMs);
  let stage: ConnectStage = options.isConnecting ? 'tcp' : 'banner';
  let isStopped = false;
  let seen = '';
  let lastProgressAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;

  // A timer that fires while the event loop was busy may find the data it waited for still unread: the
  // check runs after the poll phase (setImmediate), so data that had arrived is counted first.
  let armed = 0;
  const expireAfter = (ms: number, isExpired: () => number | undefined) => {
    clearTimeout(timer);
    const generation = ++armed;
    timer = setTimeout(() => {
      setImmediate(() => {
        // Stopped, or re-armed for the next stage while this check waited.
        if (isStopped || generation !== armed) return;
        const remaining = isExpired();
        if (remaining === undefined) fire();
        else expireAfter(remaining, isExpired);
      });
    }, ms);
  };
  const fire = () => {
    const at = stage;
    stop();
    options.onTimeout(at);
  };
  const startHandshakeBudget = () => {
    stage = 'auth';
    lastProgressAt = Date.now();
    expireAfter(idleMs, () => {
      const silentFor = Date.now() - lastProgressAt;
      return silentFor >= idleMs ? undefined : idleMs - silentFor;
    });
    maxTimer = setTimeout(() => setImmediate(() => !isStopped && fire()), budget.maxMs);
  };
  const onData = (chunk: Buffer) => {
    lastProgressAt = Date.now();
    if (stage === 'auth') return;
    seen = (seen + chunk.toString('latin1')).slice(0, BANNER_SEARCH_BYTES);
    if (/(^|\n)SSH-[^\n]*\n/.test(seen)) {
      seen = '';
      startHandshakeBudget();
    }
  };
  const onConnect = () => {
    if (stage === 'tcp') stage = 'banner';
  };
  const onResume = () => {
    if (!isStopped) sock.on('data', onData);
  };
  function stop() {
    if (isStopped) return;
    isStopped = true;
    clearTimeout(timer);
    clearTimeout(maxTimer);
    sock.off('data', onData);
    sock.off('resume', onResume);
    sock.off('connect', onConnect);
  }

  sock.once('resume', onResume);
  sock.on('connect', onConnect);
  expireAfter(options.connectTimeoutMs, () => undefined);
  return {
    get stage() {
      return stage;
    },
    stop,
  };
}
