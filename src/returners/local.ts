/**
 * salt's `local` returner (salt/returners/local.py): prints each return, as salt's `print(ret)` does
 * (Python's repr of the ret dict: `{'id': 'web1', 'jid': '…', 'return': True, …}`), one line per
 * return; event_return prints each batch of events as the repr of the list, as salt's.
 *
 * No config keys. brine's deviation: the lines go to stderr, not stdout, so `--out json` (and any
 * outputter) keeps stdout one clean document. They are printed when the delivery queue hands the
 * return over, which is during the run (or at `salt-run returners.flush local`). Capabilities:
 * events; no job cache, no retention.
 */
import type { HostReturn } from '../core/job.js';
import { pythonRepr } from '../salt/python.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

/** `write` is the stream the lines go to: stderr in a run, a buffer in tests. */
export function createLocalReturner(write: (text: string) => void): Returner {
  return {
    name: 'local',
    capabilities: { jobCache: false, events: true, retention: false },
    returner(rets: readonly HostReturn[]) {
      if (rets.length > 0) write(rets.map((ret) => `${pythonRepr({ ...ret })}\n`).join(''));
      return Promise.resolve();
    },
    eventReturn(events: readonly SaltEvent[]) {
      if (events.length > 0) write(`${pythonRepr(events.map((e) => ({ tag: e.tag, data: e.data })))}\n`);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export function createReturner(ctx: ReturnerLoadContext): Returner {
  void ctx;
  return createLocalReturner((text) => void process.stderr.write(text));
}
