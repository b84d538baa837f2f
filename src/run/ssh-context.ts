import { hostname, userInfo } from 'node:os';
import { openSshConfig } from '../config/ssh-config-files.js';
import { parseSshOption } from '../config/ssh-options.js';
import { createSshContext, type SshContext } from '../roster/ssh-target.js';

/** The flags that reach ssh_config resolution. */
export interface SshConfigFlags {
  /** `--ssh-option Key=Value`, repeatable. */
  sshOption?: string[];
  sshConfigFile?: string;
  ignoreHostKeys?: boolean;
  noHostKeys?: boolean;
}

/**
 * The run's ssh_config context. `--ssh-option` values are checked now (exit 78 before any host);
 * the files are read only when the first SSH host is resolved, so local-only runs never touch them.
 */
export function buildSshContext(
  flags: SshConfigFlags,
  opts: Readonly<Record<string, unknown>>,
  io: { cwd: string; env: NodeJS.ProcessEnv; stderr: NodeJS.WritableStream },
  homeDir: string,
): SshContext {
  const cliOptions = (flags.sshOption ?? []).map((o) => parseSshOption(o, '--ssh-option'));
  const keyValue = opts.ssh_config_file;
  const explicit =
    flags.sshConfigFile !== undefined
      ? { path: flags.sshConfigFile, flagOrKey: '--ssh-config-file' }
      : typeof keyValue === 'string' && keyValue !== ''
        ? { path: keyValue, flagOrKey: 'ssh_config_file' }
        : undefined;
  return createSshContext({
    loadConfig: () => openSshConfig({ ...(explicit === undefined ? {} : { explicit }), homeDir, cwd: io.cwd }),
    cliOptions,
    hasHostKeyFlag: flags.ignoreHostKeys === true || flags.noHostKeys === true,
    local: { user: userInfo().username, uid: String(process.getuid?.() ?? ''), hostName: hostname(), env: io.env },
    warn: (line) => io.stderr.write(`${line}\n`),
  });
}
