/**
 * salt-ssh `--lock` / `ssh_lock: True`: at most one run of the same audit (function, arguments, target,
 * target type and config dir) at a time. The lock is `<cachedir>/locks/<hash>.lock` holding the
 * holder's pid, its start time and, once reserved, its jid. A run finding a live holder does nothing
 * and exits 75 naming it; a lock whose process is gone (killed, rebooted, pid reused) is taken over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readOption, boolean as isBoolean } from '../config/validate.js';
import type { BrineConfig } from '../config/load.js';
import { AuditRunningError, CacheError } from '../errors.js';

export interface AuditKey {
  configDir: string;
  fun: string;
  argv: readonly string[];
  tgt: string;
  tgtType: string;
}

export interface AuditLock {
  readonly file: string;
  /** Records the job's jid, so a skipped run can name it. */
  setJid(jid: string): void;
  /** Removes the lock if this process still holds it; safe twice. */
  release(): void;
}

interface Holder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  start: string | null;
  jid: string | null;
}

/** Takeover rounds before giving up: each round loses only to another process taking the same lock. */
const MAX_ROUNDS = 20;

/** Whether this run takes the lock: `--lock`/`--no-lock`, else the master key `ssh_lock` (default off). */
export function isLockWanted(flag: boolean | undefined, config: BrineConfig): boolean {
  if (flag !== undefined) return flag;
  return readOption(config.opts, 'ssh_lock', isBoolean, config.masterFile ?? config.configDir) ?? false;
}

export function auditLockFile(cachedir: string, key: AuditKey): string {
  const identity = JSON.stringify([resolve(key.configDir), key.fun, key.argv, key.tgt, key.tgtType]);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  return join(cachedir, 'locks', `${hash}.lock`);
}

/** Takes the audit's lock, or throws AuditRunningError (exit 75) naming the live holder's jid and pid. */
export function acquireAuditLock(cachedir: string, key: AuditKey): AuditLock {
  const file = auditLockFile(cachedir, key);
  const own: Holder = { pid: process.pid, start: processStart(process.pid), jid: null };
  try {
    mkdirSync(join(cachedir, 'locks'), { recursive: true, mode: 0o700 });
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (tryCreate(file, own)) return heldLock(file, own);
      const holder = readHolder(file);
      if (holder === undefined) continue; // removed meanwhile: try again
      if (isAlive(holder)) throw running(holder, file);
      takeOver(file, holder);
    }
  } catch (err) {
    if (err instanceof AuditRunningError) throw err;
    throw new CacheError(`--lock: cannot take lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  throw new CacheError(`--lock: cannot take lock ${file}: other runs kept taking it over`);
}

function running(holder: Holder, file: string): AuditRunningError {
  const jid = holder.jid ?? 'not reserved yet';
  return new AuditRunningError(`--lock: skipped: the same audit is still running (jid ${jid}, pid ${holder.pid}); lock ${file}`);
}

/** The lock file appears with its content (written aside, then hard-linked), so no reader sees it empty. */
function tryCreate(file: string, holder: Holder): boolean {
  const temp = writeAside(file, holder);
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}

function writeAside(file: string, holder: Holder): string {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  return temp;
}

/**
 * Moves the dead holder's lock aside, then checks it is the one judged dead: if another run took the lock
 * over in between, its live lock is put back (link fails only if a third run created one meanwhile).
 */
function takeOver(file: string, dead: Holder): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && (moved.pid !== dead.pid || moved.start !== dead.start)) {
    try {
      linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed.pid === 'number') {
      return { pid: parsed.pid, start: typeof parsed.start === 'string' ? parsed.start : null, jid: typeof parsed.jid === 'string' ? parsed.jid : null };
    }
  } catch {
    // not brine's format: a lock nobody can own is treated as dead below
  }
  return { pid: 0, start: null, jid: null };
}

/** A holder is alive while its pid runs and (on Linux) started when the lock says: a reused pid is not it. */
function isAlive(holder: Holder): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(holder.pid);
  return holder.start === null || start === null || start === holder.start;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function heldLock(file: string, own: Holder): AuditLock {
  let isHeld = true;
  const release = () => {
    if (!isHeld) return;
    isHeld = false;
    process.off('exit', release);
    try {
      const holder = readHolder(file);
      if (holder?.pid === own.pid && holder.start === own.start) unlinkSync(file);
    } catch {
      // a lock left behind is taken over by the next run once this process is gone
    }
  };
  // a second Ctrl-C exits at once: the lock goes with the process rather than waiting for a takeover
  process.on('exit', release);
  return {
    file,
    setJid(jid) {
      if (!isHeld) return;
      own.jid = jid;
      renameSync(writeAside(file, own), file);
    },
    release,
  };
}
