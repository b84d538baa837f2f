import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULTS } from './defaults.js';
import { expandPath } from './paths.js';
import { SshConfig, type SshConfigFile, type SshConfigReader } from './ssh-config.js';

/** Missing files are "no file" (OpenSSH skips a missing ~/.ssh/config and an Include glob that matches nothing). */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

export const fsSshConfigReader: SshConfigReader = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw new ConfigError(`ssh config ${path}: ${(err as Error).message}`, { cause: err });
    }
  },
  listDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
};

export interface SshConfigSource {
  /** `--ssh-config-file` or `ssh_config_file`: the only file read (`none`: none), as `ssh -F`. */
  explicit?: { path: string; flagOrKey: string };
  homeDir: string;
  cwd: string;
  reader?: SshConfigReader;
}

/** Reads the run's ssh_config files; called once, when the first SSH host is resolved. */
export function openSshConfig(source: SshConfigSource): SshConfig | undefined {
  const reader = source.reader ?? fsSshConfigReader;
  const { explicit, homeDir } = source;
  let files: SshConfigFile[];
  if (explicit === undefined) {
    files = [
      { path: join(homeDir, DEFAULTS.userSshConfig.slice(2)), isUser: true },
      { path: DEFAULTS.systemSshConfig, isUser: false },
    ];
  } else if (explicit.path.toLowerCase() === 'none') {
    return undefined;
  } else {
    const path = expandPath(explicit.path, { cwd: source.cwd, homeDir });
    if (reader.readFile(path) === undefined) throw new ConfigError(`${explicit.flagOrKey} ${path}: file not found`);
    files = [{ path, isUser: true }];
  }
  return new SshConfig(reader, files, homeDir);
}
