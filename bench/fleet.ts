/** One sshd and the files both brine and pssh need to reach it as N "hosts" (all 127.0.0.1:PORT). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSshd, type SshdHarness } from '../test/helpers/sshd.js';

export interface Fleet {
  sshd: SshdHarness;
  /** A brine config dir: master file with a private cachedir and the harness's known_hosts. */
  configDir: string;
  knownHostsFile: string;
  /** Flat roster of n hosts (node1..nodeN), written once per size. */
  roster(n: number): string;
  /** pssh host file: `127.0.0.1:PORT` n times. */
  psshHosts(n: number): string;
  stop(): Promise<void>;
}

export async function startFleet(): Promise<Fleet> {
  const sshd = await startSshd();
  try {
    const knownHostsFile = sshd.writeKnownHosts({}, 'known_hosts');
    const configDir = join(sshd.dir, 'brine-config');
    mkdirSync(join(configDir, 'cache'), { recursive: true });
    writeFileSync(
      join(configDir, 'master'),
      stringify({ cachedir: join(configDir, 'cache'), ssh_known_hosts_file: knownHostsFile }, { version: '1.1' }),
    );
    const rosters = new Map<number, string>();
    const hostFiles = new Map<number, string>();
    return {
      sshd,
      configDir,
      knownHostsFile,
      roster(n) {
        let file = rosters.get(n);
        if (file === undefined) {
          file = sshd.writeRoster(n);
          rosters.set(n, file);
        }
        return file;
      },
      psshHosts(n) {
        let file = hostFiles.get(n);
        if (file === undefined) {
          file = join(sshd.dir, `pssh-hosts-${n}`);
          writeFileSync(file, `${sshd.host}:${sshd.port}\n`.repeat(n));
          hostFiles.set(n, file);
        }
        return file;
      },
      stop: () => sshd.stop(),
    };
  } catch (err) {
    await sshd.stop();
    throw err;
  }
}
