import { loadFunction } from '../../../src/modules/registry.js';
import type { FunctionResult, RemoteCommand } from '../../../src/modules/types.js';
import { localTransport } from '../../../src/transport/local.js';
import type { ExecResult, HostTarget } from '../../../src/transport/types.js';

export const TEST_JID = '20261128171931869117';

export function fakeTarget(id = 'modules-test-host'): HostTarget {
  return { id, host: '127.0.0.1', port: 22, user: 'root', sudo: false, tty: false, connectTimeoutSec: 5, identitiesOnly: false, connection: 'local' };
}

export interface LocalRun extends FunctionResult {
  command: RemoteCommand;
  exec: ExecResult;
}

/** prepare → the real local transport → parse, exactly as src/run drives a module over SSH. */
export async function runLocal(
  fun: string,
  args: unknown[] = [],
  kwargs: Record<string, unknown> = {},
  id?: string,
): Promise<LocalRun> {
  const fn = await loadFunction(fun);
  const call = { fun, args, kwargs, jid: TEST_JID, target: fakeTarget(id) };
  const command = await fn.prepare(call);
  const session = await localTransport.connect(call.target, { hostKeys: { mode: 'none', knownHostsFile: '' } });
  try {
    const exec = await session.exec(command.command, {
      ...(command.stdin === undefined ? {} : { stdin: command.stdin }),
      timeoutMs: (command.timeoutSec ?? 30) * 1000,
    });
    return { ...fn.parse(exec, call), command, exec };
  } finally {
    session.close();
  }
}
