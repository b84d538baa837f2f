import { Args, Flags } from '@oclif/core';
import { DEFAULTS } from '../config/defaults.js';
import { UsageError } from '../errors.js';
import { BrineCommand, commonFlags, definedOnly, outputOptions } from '../cli/flags.js';
import { saltSsh } from '../run/salt-ssh.js';
import { targetTypeFromFlags } from '../targeting/match.js';

export default class SaltSsh extends BrineCommand {
  protected readonly binName = 'salt-ssh';
  static override description = 'Run a salt execution-module function on roster hosts over SSH, with no agent on them.';
  static override usage = "'<target>' <function> [arguments] [key=value...] [options]";
  static override strict = false;
  static override examples = [
    "salt-ssh '*' test.ping",
    "salt-ssh 'web*' cmd.run 'uptime' -v",
    "salt-ssh -L web1,web2 cmd.run_all 'df -h' --out json --static",
    "salt-ssh '*' -r 'uname -a'",
    "salt-ssh '*' cmd.run uptime --return mysql",
  ];
  static override args = {
    target: Args.string({ description: 'Glob over roster ids, or a regex/list/nodegroup with -E/-L/-N.' }),
    function: Args.string({ description: 'Module function, e.g. cmd.run (with -r: the shell command).' }),
  };
  static override flags = {
    ...commonFlags,
    'roster-file': Flags.string({ description: 'Roster file (default: see README for the lookup order).' }),
    pcre: Flags.boolean({ char: 'E', description: 'The target is a regular expression (anchored at the start).' }),
    list: Flags.boolean({ char: 'L', description: 'The target is a comma or space separated list of ids.' }),
    nodegroup: Flags.boolean({ char: 'N', description: 'The target is a nodegroup from the config.' }),
    'raw-shell': Flags.boolean({ char: 'r', aliases: ['raw'], description: 'Run a raw shell command; returns {stdout, stderr, retcode}.' }),
    verbose: Flags.boolean({ char: 'v', description: 'Print the jid before the results, and the hosts that did not return.' }),
    static: Flags.boolean({ char: 's', description: 'Print all hosts together at the end (one JSON document with --out json).' }),
    hosts: Flags.boolean({ char: 'H', description: 'List the roster hosts and exit.' }),
    jid: Flags.string({ description: 'Use this jid (20 digits) instead of generating one.' }),
    'max-procs': Flags.integer({ min: 1, description: 'Hosts in flight at once (config ssh_max_procs).' }),
    timeout: Flags.integer({ min: 1, description: 'Seconds a host may take to run the command (default 300, at most 24 days).' }),
    'ignore-host-keys': Flags.boolean({ char: 'i', description: 'Accept unknown host keys and add them to known_hosts (a changed key is still refused).' }),
    'no-host-keys': Flags.boolean({ description: 'Do not check host keys at all.' }),
    user: Flags.string({ description: 'Default login user (config ssh_user).' }),
    passwd: Flags.string({ description: 'Default login password (config ssh_passwd).' }),
    askpass: Flags.boolean({ description: 'Prompt once for the login password.' }),
    priv: Flags.string({ description: 'Default private key file (config ssh_priv).' }),
    'priv-passwd': Flags.string({ description: 'Passphrase of the private key (config ssh_priv_passwd).' }),
    sudo: Flags.boolean({ description: 'Run commands through sudo (config ssh_sudo).' }),
    'identities-only': Flags.boolean({ description: 'Use only the given key, not the ssh-agent.' }),
    return: Flags.string({ description: 'Comma list of returners that also get every return, e.g. mysql.' }),
    return_config: Flags.string({ description: 'Alternative returner config prefix, e.g. alternative.' }),
    return_kwargs: Flags.string({ description: 'JSON object overriding returner options for this run.' }),
  };

  async run(): Promise<number> {
    const { args, argv, flags } = await this.parse(SaltSsh);
    const targetType = targetTypeFromFlags(flags);
    if (flags.timeout !== undefined && flags.timeout > DEFAULTS.maxTimeoutSec) {
      throw new UsageError(`--timeout: at most ${DEFAULTS.maxTimeoutSec} seconds (24 days), got ${flags.timeout}`);
    }
    const rest = (argv as string[]).slice((args.target === undefined ? 0 : 1) + (args.function === undefined ? 0 : 1));
    return saltSsh(
      {
        ...(args.target === undefined ? {} : { tgt: args.target }),
        ...(args.function === undefined ? {} : { fun: args.function }),
        argv: rest,
        targetType,
        isRawShell: flags['raw-shell'],
        isVerbose: flags.verbose,
        isStatic: flags.static,
        listHosts: flags.hosts,
        ignoreHostKeys: flags['ignore-host-keys'],
        noHostKeys: flags['no-host-keys'],
        askpass: flags.askpass,
        sudo: flags.sudo,
        identitiesOnly: flags['identities-only'],
        ...definedOnly({
          configDir: flags['config-dir'],
          saltfile: flags.saltfile,
          rosterFile: flags['roster-file'],
          jid: flags.jid,
          maxProcs: flags['max-procs'],
          timeout: flags.timeout,
          user: flags.user,
          passwd: flags.passwd,
          priv: flags.priv,
          privPasswd: flags['priv-passwd'],
          return: flags.return,
          returnConfig: flags.return_config,
          returnKwargs: flags.return_kwargs,
        }),
        ...outputOptions(flags),
      },
      { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
    );
  }
}
