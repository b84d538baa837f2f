import { Args } from '@oclif/core';
import { BrineCommand, commonFlags, definedOnly, outputOptions } from '../cli/flags.js';
import { saltRun } from '../run/salt-run.js';
import { openCommandLogger } from '../cli/logging.js';
import { listRunners } from '../runners/registry.js';

export default class SaltRun extends BrineCommand {
  protected readonly binName = 'salt-run';
  static override summary = 'Read back the job cache and manage returners: jobs.lookup_jid, jobs.list_jobs, returners.flush…';
  static override usage = '<function> [arguments] [key=value...] [options]';
  static override strict = false;
  static override examples = [
    'salt-run jobs.lookup_jid 20261129043301123456',
    'salt-run jobs.list_jobs search_function=cmd.run --out json',
    'salt-run jobs.exit_success 20261129043301123456',
    'salt-run returners.pending',
  ];
  static override args = {
    function: Args.string({ description: 'Runner function, e.g. jobs.lookup_jid. Without one, lists them.' }),
  };
  static override flags = { ...commonFlags };

  async run(): Promise<number> {
    const { args, argv, flags } = await this.parse(SaltRun);
    if (flags.completion !== undefined) return this.printCompletion(flags.completion, SaltRun.flags, listRunners());
    const log = openCommandLogger(flags, process.stderr);
    return saltRun(
      {
        ...(args.function === undefined ? {} : { fun: args.function }),
        argv: (argv as string[]).slice(args.function === undefined ? 0 : 1),
        ...definedOnly({ configDir: flags['config-dir'], saltfile: flags.saltfile }),
        ...outputOptions(flags),
      },
      { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), log },
    ).finally(() => log.close());
  }
}
