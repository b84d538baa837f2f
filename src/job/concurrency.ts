/** The job's fan-out gate (fixed `--max-procs` or adaptive) and which connect failures it reacts to. */
import type { Logger } from '../core/log.js';
import { TransportError } from '../transport/types.js';
import { createAdaptiveLimit } from './adaptive-limit.js';
import { fixedGate, type FanOutGate } from './fan-out.js';

export interface JobGateOptions {
  maxProcs: number;
  isAdaptive: boolean;
  now: () => number;
  log?: Logger;
  /** Hears the concurrency shown on the progress line: the handshake limit, or the fixed `--max-procs`. */
  onConcurrency?: (limit: number) => void;
}

export function jobGate(options: JobGateOptions): FanOutGate {
  if (!options.isAdaptive) {
    options.onConcurrency?.(options.maxProcs);
    return fixedGate(options.maxProcs);
  }
  const gate = createAdaptiveLimit({
    maxInFlight: options.maxProcs,
    now: options.now,
    onChange: ({ from, to, reason }) => {
      options.log?.debug(`fan-out: handshakes at once ${from} -> ${to}: ${reason}`);
      options.onConcurrency?.(to);
    },
  });
  options.log?.debug(`fan-out: adaptive, ${gate.limit} handshakes at once to start, at most ${options.maxProcs} hosts in flight`);
  options.onConcurrency?.(gate.limit);
  return gate;
}

/** Timed out after TCP connected (waiting for the banner, in key exchange or authentication): worth one more try at lower concurrency. */
export function isHandshakeTimeout(err: unknown): boolean {
  return err instanceof TransportError && err.reason === 'timeout' && (err.stage === 'banner' || err.stage === 'auth');
}

/**
 * A failure that says the servers or the network are loaded, not that the host is down or refuses
 * brine: key exchange or authentication stalled, or the server dropped the connection during them
 * (sshd's MaxStartups). A missing banner is not counted: a silent port is a down host far more often,
 * and a fleet of them must not slow the others down to a crawl.
 */
export function isCongestion(err: unknown): boolean {
  if (err instanceof TransportError && err.reason === 'timeout' && err.stage === 'auth') return true;
  return err instanceof TransportError && err.reason === 'closed' && /^Connection (reset|closed) by /.test(err.message);
}
