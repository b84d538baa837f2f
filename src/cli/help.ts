import { Help, type Command } from '@oclif/core';
import { EXIT_CODE_HELP, ExitCode } from '../errors.js';

/** `--help` with an EXIT CODES section, from the one table in src/errors.ts. */
export class BrineHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    // A single-command CLI's command id is empty: oclif leaves two spaces after the bin in USAGE.
    const body = super.formatCommand(command).replace(/^(\s*\$ \S+) {2}/m, '$1 ');
    return `${body}\n\n${this.section('EXIT CODES', exitCodeRows())}`;
  }
}

export function exitCodeRows(): Array<[string, string]> {
  return (Object.keys(ExitCode) as Array<keyof typeof ExitCode>)
    .sort((a, b) => ExitCode[a] - ExitCode[b])
    .map((name) => [String(ExitCode[name]), EXIT_CODE_HELP[name]]);
}
