/**
 * brine's default fan-out: hosts run as soon as they can (up to `maxInFlight`), while the number of
 * connections still in their handshake (TCP, banner, key exchange, authentication) adapts. That is
 * where load shows: the client's and the servers' CPU, sshd's MaxStartups, the network. Hosts that are
 * logged in and running their command do not hold a handshake slot, so `sleep 60` on a fleet runs on
 * every host at once while logins are paced.
 *
 * The handshake limit is a gradient limiter with a slow start: it starts at 32 (parallel-ssh's
 * default), grows by one per handshake that finished while latency stayed within `tolerance` × the
 * lowest seen (doubling per round trip), and once latency climbs past that it shrinks in proportion
 * (at most to half, once per round trip, not under 8: latency alone says the CPU is busy, not that
 * anything fails) and grows by one per round trip after. A handshake that timed out in key
 * exchange or authentication, or was reset during them, halves it (down to 2). New connections are paced, as TCP
 * paces: a full limit of starts is spread over half a round trip in slow start, over 0.8 of one after.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { FanOutGate, Handshake } from './fan-out.js';

export interface AdaptiveLimitOptions {
  /** Hosts in flight at most (config `ssh_max_procs`, else DEFAULT_ADAPTIVE_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /** Handshakes allowed at first. */
  initial?: number;
  /** How far handshake latency may rise over the lowest seen before the limit shrinks. */
  tolerance?: number;
  now: () => number;
  onChange?: (change: LimitChange) => void;
}

export interface LimitChange {
  from: number;
  to: number;
  /** Why, for `-l debug`. */
  reason: string;
}

export interface AdaptiveLimit extends FanOutGate {
  /** Handshakes allowed at once now. */
  readonly limit: number;
  /** Handshakes in progress. */
  readonly connecting: number;
}

/** Hosts in flight when config sets no `ssh_max_procs`: well under the usual 1024 open files. */
export const DEFAULT_ADAPTIVE_MAX_IN_FLIGHT = DEFAULTS.sshMaxProcs;
const INITIAL_LIMIT = 32;
const MIN_LIMIT = 2;
/** The floor of decreases on latency alone; timeouts and resets go down to MIN_LIMIT. */
const MIN_LATENCY_LIMIT = 8;
const DEFAULT_TOLERANCE = 2;
/** Assumed handshake latency before the first one is measured, for pacing. */
const ASSUMED_LATENCY_MS = 100;
const MAX_GAP_MS = 50;
/** Weight of the newest sample in the recent latency. */
const RECENT_WEIGHT = 0.25;

export function createAdaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  const { now } = options;
  const max = Math.max(1, options.maxInFlight);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  let limit = Math.min(max, Math.max(MIN_LIMIT, options.initial ?? INITIAL_LIMIT));
  let connecting = 0;
  // Times the handshakes in progress reached the limit: a handshake that saw it grow was limited by it.
  let timesFull = 0;
  let lowest = Infinity;
  let recent: number | undefined;
  let isSlowStart = true;
  let lastDecreaseAt = -Infinity;
  let nextStartAt = -Infinity;
  let reported = Math.floor(limit);
  let change = deferred();

  const notify = (before: number, reason: () => string) => {
    const current = Math.floor(limit);
    // Each decrease is told; increases once they add an eighth, so slow start is a few lines, not one per host.
    if (current < before || current - reported >= Math.max(1, reported / 8)) {
      options.onChange?.({ from: current < before ? before : reported, to: current, reason: reason() });
      reported = current;
    }
    const settled = change;
    change = deferred();
    settled.resolve();
  };
  const roundTrip = () => recent ?? ASSUMED_LATENCY_MS;
  const shrink = (to: number, floor: number) => {
    limit = Math.max(Math.min(limit, floor), Math.min(limit, to));
    isSlowStart = false;
    lastDecreaseAt = now();
  };
  const sample = (latencyMs: number, wasInUse: boolean): (() => string) | undefined => {
    const latency = Math.max(1, latencyMs);
    lowest = Math.min(lowest, latency);
    recent = recent === undefined ? latency : recent + (latency - recent) * RECENT_WEIGHT;
    const ms = (value: number) => `${Math.round(value)} ms`;
    if (recent > tolerance * lowest) {
      if (now() - lastDecreaseAt < recent) return undefined;
      const gradient = Math.max(0.5, (tolerance * lowest) / recent);
      shrink(limit * gradient, MIN_LATENCY_LIMIT);
      return () => `handshake latency ${ms(recent ?? latency)}, over ${tolerance}× the lowest ${ms(lowest)}`;
    }
    if (!wasInUse) return undefined;
    limit = Math.min(max, limit + (isSlowStart ? 1 : 1 / limit));
    return () => `handshake latency ${ms(recent ?? latency)} (lowest ${ms(lowest)})${isSlowStart ? ', slow start' : ''}`;
  };

  return {
    get limit() {
      return Math.floor(limit);
    },
    get connecting() {
      return connecting;
    },
    canStart(inFlight, isRetry) {
      const handshakes = isRetry ? Math.max(1, Math.floor(limit / 2)) : Math.floor(limit);
      return inFlight < max && connecting < handshakes;
    },
    delayMs() {
      const wait = nextStartAt - now();
      return wait >= 1 ? Math.ceil(wait) : 0;
    },
    start(): Handshake {
      const fullBefore = timesFull;
      connecting += 1;
      if (connecting >= Math.floor(limit)) timesFull += 1;
      // Faster than the limit drains, or pacing alone would keep it from ever filling (and growing).
      const gap = Math.min(MAX_GAP_MS, roundTrip() / (Math.max(1, limit) * (isSlowStart ? 2 : 1.25)));
      nextStartAt = Math.max(nextStartAt, now()) + gap;
      let isOver = false;
      const end = () => {
        if (isOver) return false;
        isOver = true;
        connecting -= 1;
        return true;
      };
      return {
        connected(latencyMs) {
          const wasInUse = timesFull > fullBefore;
          if (!end()) return;
          const before = Math.floor(limit);
          notify(before, sample(latencyMs, wasInUse) ?? (() => ''));
        },
        failed(isCongestion) {
          if (!end()) return;
          const before = Math.floor(limit);
          if (isCongestion && now() - lastDecreaseAt >= roundTrip()) {
            shrink(limit / 2, MIN_LIMIT);
            return notify(before, () => 'a handshake timed out or was reset after TCP connected');
          }
          notify(before, () => '');
        },
        abandoned() {
          if (end()) notify(Math.floor(limit), () => '');
        },
      };
    },
    changed: () => change.promise,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
