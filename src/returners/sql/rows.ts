/** salt's row shapes, shared by its SQL returners (mysql, pgjsonb, sqlite3 store the same objects). */
import type { HostReturn, JobLoad } from '../../core/job.js';

/** The full_ret object in the seed row's key order; `out` only when the host has one. */
export function fullRet(ret: HostReturn): Record<string, unknown> {
  const out: Record<string, unknown> = {
    fun_args: ret.fun_args,
    jid: ret.jid,
    return: ret.return,
    retcode: ret.retcode,
    success: ret.success,
    fun: ret.fun,
    id: ret.id,
    _stamp: ret._stamp,
  };
  if (ret.out !== undefined) out['out'] = ret.out;
  return out;
}

/** The load in salt-ssh's key order (`jid, tgt_type, tgt, user, fun, arg`), extra keys after. */
export function orderedLoad(load: JobLoad): Record<string, unknown> {
  const { jid, tgt_type, tgt, user, fun, arg, ...rest } = load;
  return { jid, tgt_type, tgt, user, fun, arg, ...rest };
}
