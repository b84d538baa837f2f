/**
 * salt's `rawfile_json` returner (salt/returners/rawfile_json.py): one JSON document per line, for log
 * shippers (Filebeat, Vector, Fluent Bit, rsyslog imfile) to pick up.
 *
 * Config key (salt's, via returnerOptions): `rawfile_json.filename` (/var/log/salt/events);
 * `<return_config>.rawfile_json.filename`, `--return_kwargs '{"filename": …}'`.
 *
 * What it writes: per return, salt's JSON (`", "`/`": "` separators, non-ASCII kept) of the full return
 * `{"fun_args", "jid", "return", "retcode", "success", "fun", "id", "_stamp"[, "out"]}` and a newline;
 * per event (event_return), `{"tag": …, "data": …}` and a newline. Capabilities: returner and
 * event_return only (no reads: not a master_job_cache).
 *
 * Locking: each batch is appended in one write under an exclusive flock(2) lock, the lock salt's
 * flopen and `flock(1)` take, so brine, salt and scripts using `flock FILE …` never interleave lines;
 * the lock wait has a 4 s deadline. A write that fails part-way is cut back (no half lines).
 *
 * Delivery is at-least-once: a batch written just before brine died, or after the run stopped waiting
 * for it, is written again by the next flush. Log pipelines should de-duplicate on (jid, id) or (tag).
 *
 * Deviations from salt: one lock and one write per batch instead of per return; a new file is created
 * 0640 (salt: the umask's default) because returns can hold secrets; errors are one line naming the file.
 */
import type { HostReturn } from '../core/job.js';
import { appendLocked } from './file-lock.js';
import { returnerOptions } from './options.js';
import { saltJson } from './salt-json.js';
import { fullRet } from './sql/rows.js';
import type { Returner, ReturnerLoadContext, SaltEvent } from './types.js';

export const RAWFILE_JSON_OPTIONS = {
  filename: { kind: 'string', default: '/var/log/salt/events' },
} as const;

/** Below the forwarder's per-call deadline (8 s), so a held lock fails the call instead of hanging it. */
const LOCK_WAIT_MS = 4_000;
const FILE_MODE = 0o640;

export interface RawfileJsonReturner extends Returner {
  readonly filename: string;
}

/** The returner on `filename`; `lockWaitMs` is how long it waits for another process's lock. */
export function rawfileJsonReturner(filename: string, lockWaitMs = LOCK_WAIT_MS): RawfileJsonReturner {
  const append = (lines: readonly string[]): Promise<void> =>
    lines.length === 0
      ? Promise.resolve()
      : appendLocked(filename, Buffer.from(lines.map((l) => `${l}\n`).join('')), { lockWaitMs, mode: FILE_MODE, label: `rawfile_json ${filename}` });
  return {
    name: 'rawfile_json',
    filename,
    capabilities: { jobCache: false, events: true, retention: false },
    returner: (rets: readonly HostReturn[]) => append(rets.map((r) => saltJson(fullRet(r)))),
    eventReturn: (events: readonly SaltEvent[]) => append(events.map((e) => saltJson({ tag: e.tag, data: e.data }))),
    close: () => Promise.resolve(),
  };
}

export function createReturner(ctx: ReturnerLoadContext): RawfileJsonReturner {
  const { filename } = returnerOptions('rawfile_json', ctx.opts, ctx, RAWFILE_JSON_OPTIONS);
  return rawfileJsonReturner(filename ?? RAWFILE_JSON_OPTIONS.filename.default);
}
