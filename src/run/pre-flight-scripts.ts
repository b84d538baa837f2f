/** Reads each roster `ssh_pre_flight` script once per run (not once per host); a missing one is a config error naming the host. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConfigError, describeError } from '../errors.js';
import type { HostTarget } from '../transport/types.js';

export async function loadPreFlightScripts(targets: readonly HostTarget[], cwd: string): Promise<HostTarget[]> {
  const contents = new Map<string, Promise<Buffer>>();
  return Promise.all(
    targets.map(async (target) => {
      const preFlight = target.command?.preFlight;
      if (preFlight === undefined) return target;
      const script = isAbsolute(preFlight.script) ? preFlight.script : join(cwd, preFlight.script);
      let content = contents.get(script);
      if (content === undefined) {
        content = readFile(script);
        contents.set(script, content);
      }
      try {
        return { ...target, command: { ...target.command, preFlight: { ...preFlight, script, content: await content } } };
      } catch (err) {
        throw new ConfigError(`roster: host '${target.id}': ssh_pre_flight script ${script} cannot be read: ${describeError(err)}`, { cause: err });
      }
    }),
  );
}
