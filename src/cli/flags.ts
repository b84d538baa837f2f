import { Command, Flags } from '@oclif/core';
import { clip } from '../config/validate.js';
import { versionLine } from '../core/build-info.js';
import { BrineError, ExitCode, describeError } from '../errors.js';
import { listOutputters } from '../output/registry.js';
import { completionScript, type CompletableFlag } from './completion.js';
import { exitWhenFlushed } from './run-bin.js';

const DEFAULT_OUTPUTTER = 'nested';

/**
 * `--out`'s help comes from the registry, so a new outputter cannot be missing from it. No oclif
 * `options`: an unknown name stays getOutputter's one-line usage error listing the valid ones.
 */
export function outHelp(): string {
  const others = listOutputters().filter((name) => name !== DEFAULT_OUTPUTTER);
  return `Outputter: ${DEFAULT_OUTPUTTER} (default), ${others.join(', ')}.`;
}

/** Flags salt-ssh and salt-run share, with salt's spellings. */
export const commonFlags = {
  'config-dir': Flags.string({ char: 'c', description: 'Directory holding the master config file (default /etc/salt).' }),
  saltfile: Flags.string({ description: 'Saltfile to read (default ./Saltfile, then ~/.salt/Saltfile).' }),
  out: Flags.string({ aliases: ['output'], description: outHelp() }),
  'out-indent': Flags.integer({ aliases: ['output-indent'], description: 'Indent for json/nested; negative prints json on one line.' }),
  'out-file': Flags.string({ aliases: ['output-file'], description: 'Write the output to this file instead of stdout.' }),
  'out-file-append': Flags.boolean({ aliases: ['output-file-append'], description: 'Append to --out-file.' }),
  'no-color': Flags.boolean({ description: 'Never colour the output (also NO_COLOR=1).' }),
  'force-color': Flags.boolean({ description: 'Colour the output even when it is not a terminal.' }),
  'log-level': Flags.string({ char: 'l', description: 'Log on stderr at: quiet, critical, error, warning (default), info, debug (connect, host key, auth, exec per host), trace, garbage, all.' }),
  'log-file': Flags.string({ description: 'Also append log lines to this file (timestamped, with the pid), as salt-ssh --log-file.' }),
  'log-file-level': Flags.string({ description: 'Level for --log-file (default: the -l level).' }),
  completion: Flags.string({ description: 'Print a shell completion script (bash or zsh) and exit: source <(salt-ssh --completion bash).' }),
  help: Flags.help({ char: 'h' }),
  // oclif's own --version prints its user agent; this one names the build.
  version: Flags.boolean({
    description: "Print brine's version, Node's and the build commit, and exit.",
    async parse(_, command) {
      command.log(versionLine(command.config.bin));
      return command.exit(0);
    },
  }),
};

/**
 * Base for both commands: errors become one line on stderr and the documented exit code,
 * never oclif's help re-render or a stack trace (unless DEBUG is set).
 */
export abstract class BrineCommand extends Command {
  protected abstract readonly binName: string;

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (process.env.DEBUG) process.stderr.write(`${err.stack ?? String(err)}\n`);
    if (err instanceof BrineError) return this.fail(err.message, err.exitCode);
    if (err.oclif?.exit === 0) return exitWhenFlushed(0);
    // oclif parse errors (unknown flag, bad flag value, missing argument) are usage errors
    if (err.oclif !== undefined || err.constructor.name.endsWith('Error') && /flag|argument/i.test(err.message)) {
      return this.fail(joinParseError(err.message), ExitCode.USAGE);
    }
    return this.fail(describeError(err), ExitCode.GENERIC);
  }

  /** `--completion bash|zsh`: the script on stdout, exit 0. */
  protected printCompletion(shell: string, flags: Readonly<Record<string, CompletableFlag>>, words: readonly string[]): number {
    process.stdout.write(completionScript(shell, this.binName, flags, words));
    return ExitCode.OK;
  }

  private fail(message: string, code: number): Promise<never> {
    process.stderr.write(`${this.binName}: error: ${shortenMessage(message)}\n`);
    return exitWhenFlushed(code);
  }
}

/** oclif's `Parsing --timeout\n\tExpected an integer…\nSee more help with --help` as one line. */
export function joinParseError(message: string): string {
  const lines = message.split('\n').map((line) => line.trim());
  return lines.filter((line) => line !== '' && !line.startsWith('See more help with')).join(': ').replace(/^Error: /, '');
}

const LONG_WORD = /\S{201,}/g;
/** Longest error line; past it the rest is cut, whatever put it there. */
const MAX_MESSAGE_CHARS = 1000;

/** Cuts each overlong word of an error (a pasted 131 KB argument) to 200 characters, keeping its closing quote. */
export function shortenMessage(message: string): string {
  const cut = message.replace(LONG_WORD, (word) => {
    let tail = '';
    for (let i = word.length - 1; i >= word.length - 3 && `'")]:,`.includes(word[i] ?? ''); i--) tail = `${word[i] ?? ''}${tail}`;
    return `${clip(word.slice(0, -tail.length || undefined))}${tail}`;
  });
  return clip(cut, MAX_MESSAGE_CHARS);
}

export interface OutputFlagValues {
  out?: string | undefined;
  'out-indent'?: number | undefined;
  'out-file'?: string | undefined;
  'out-file-append': boolean;
  'no-color': boolean;
  'force-color': boolean;
}

/** Maps the shared output flags to the option names the core uses. */
export function outputOptions(flags: OutputFlagValues) {
  return {
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(flags['out-indent'] === undefined ? {} : { outIndent: flags['out-indent'] }),
    ...(flags['out-file'] === undefined ? {} : { outFile: flags['out-file'] }),
    outFileAppend: flags['out-file-append'],
    noColor: flags['no-color'],
    forceColor: flags['force-color'],
  };
}

/** Drops undefined values, for exactOptionalPropertyTypes. */
export function definedOnly<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as never;
}
