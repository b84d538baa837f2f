/** What salt-ssh tells a cron script besides the returns: the jid (banner, --jid-file) and the lines on stderr. */
import { renameSync, writeFileSync } from 'node:fs';
import type { BrineConfig } from '../config/load.js';
import { readOption, timeoutSeconds } from '../config/validate.js';
import { BrineError, ExitCode } from '../errors.js';
import { unreachableHosts } from '../job/exit-code.js';
import type { JobOutcome } from '../core/job.js';

/**
 * Outputters a program parses: with them `-v`'s banner goes to stderr, so stdout stays one clean
 * document (`--out json -v`). nested and txt (and any outputter for people) keep it on stdout as salt does.
 */
const MACHINE_READABLE = new Set(['json', 'yaml', 'raw', 'newline_values_only', 'quiet']);

export function isMachineReadable(outputter: string | undefined): boolean {
  return outputter !== undefined && MACHINE_READABLE.has(outputter);
}

/** `--jid-file FILE`: the jid and a newline, written aside and renamed into place so a reader never sees half. */
export function writeJidFile(file: string, jid: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${jid}\n`, { mode: 0o644 });
    renameSync(temp, file);
  } catch (err) {
    throw new BrineError('EJIDFILE', `cannot write --jid-file ${file}: ${(err as Error).message}`, { exitCode: ExitCode.IO, cause: err });
  }
}

/** Hosts named in one stderr line; past this, "and N more". */
const MAX_NAMED = 20;

function named(ids: readonly string[]): string {
  const more = ids.length > MAX_NAMED ? ` and ${ids.length - MAX_NAMED} more` : '';
  return `${ids.slice(0, MAX_NAMED).join(', ')}${more}`;
}

/**
 * The lines a monitor reads on stderr after the job: the deadline, and the hosts SSH could not reach
 * when the exit code (20 or 124) does not already say so. Empty when there is nothing to say.
 */
export function jobReportLines(outcome: JobOutcome): string {
  const lines: string[] = [];
  const total = outcome.minions.length;
  const { deadline } = outcome;
  if (deadline !== undefined) {
    const cut = deadline.unfinished;
    lines.push(`[WARNING ] Deadline of ${deadline.seconds} seconds passed: ${cut.length} of ${total} hosts did not finish (timed out): ${named(cut)}; jid ${outcome.jid}`);
  }
  const unreachable = unreachableHosts(outcome.returns);
  if (unreachable.length > 0 && outcome.exitCode !== ExitCode.UNAVAILABLE && !outcome.wasInterrupted) {
    lines.push(`[WARNING ] ${unreachable.length} of ${total} hosts could not be reached (SSH failed, retcode 255): ${named(unreachable)}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** `--deadline`, else the master key `ssh_run_deadline`: seconds the whole run may take (undefined: no limit). */
export function deadlineSeconds(flag: number | undefined, config: BrineConfig): number | undefined {
  if (flag !== undefined) return flag;
  return readOption(config.opts, 'ssh_run_deadline', timeoutSeconds, config.masterFile ?? config.configDir);
}
