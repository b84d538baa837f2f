/**
 * A pool of one connection for drivers without a suitable pool (pg's Pool times a queued caller out
 * with its connect timeout): callers queue in order, the idle connection is reused while alive, and a
 * destroyed one is replaced on the next acquire. The SQL core's per-call deadline bounds every hold.
 */
import type { SqlPool } from './types.js';

export interface PooledLink<C> {
  readonly conn: C;
  /** False once the socket closed or errored (the server went away while idle). */
  isAlive(): boolean;
  /** Closes the socket at once. */
  destroy(): void;
  /** A polite goodbye (Terminate); the pool does not wait on a hung server for it. */
  end(): Promise<void>;
}

export interface SinglePool<C> extends Omit<SqlPool, 'acquire'> {
  acquire(): Promise<PooledLink<C>>;
  /** Back to the pool, or to the next caller in line. */
  release(link: PooledLink<C>): void;
  /** Destroys the link and frees the slot for the next caller. */
  discard(link: PooledLink<C>): void;
}

export function createSinglePool<C>(open: () => Promise<PooledLink<C>>): SinglePool<C> {
  let idle: PooledLink<C> | undefined;
  /** The link handed out now: a late second release of an earlier one must not free the slot. */
  let holder: PooledLink<C> | undefined;
  let isBusy = false;
  let opened = 0;
  let isEnded = false;
  const live = new Set<PooledLink<C>>();
  const waiting: Array<() => void> = [];

  const nextInLine = (): void => {
    holder = undefined;
    isBusy = false;
    waiting.shift()?.();
  };

  async function acquire(): Promise<PooledLink<C>> {
    if (isEnded) throw new Error('the connection pool is closed');
    if (isBusy) await new Promise<void>((resolve) => waiting.push(resolve));
    isBusy = true;
    try {
      if (isEnded) throw new Error('the connection pool is closed');
      if (idle?.isAlive()) return (holder = idle);
      if (idle) {
        live.delete(idle);
        idle.destroy();
      }
      idle = undefined;
      opened++;
      const link = await open();
      live.add(link);
      return (holder = link);
    } catch (err) {
      nextInLine();
      throw err;
    }
  }

  return {
    acquire,
    release(link) {
      if (link !== holder) return;
      idle = link.isAlive() ? link : undefined;
      if (!idle) {
        live.delete(link);
        link.destroy();
      }
      nextInLine();
    },
    discard(link) {
      if (idle === link) idle = undefined;
      live.delete(link);
      link.destroy();
      if (link === holder) nextInLine();
    },
    opened: () => opened,
    async end() {
      isEnded = true;
      const links = [...live];
      idle = undefined;
      await Promise.all(links.map((l) => l.end().catch(() => undefined)));
    },
    destroyAll() {
      isEnded = true;
      for (const link of live) link.destroy();
      live.clear();
    },
  };
}
