import { Args, Flags } from '@oclif/core';
import { DEFAULTS } from '../config/defaults.js';
import { UsageError } from '../errors.js';
import { BrineCommand, commonFlags, definedOnly, outputOptions } from '../cli/flags.js';
import { saltSsh } from '../run/salt-ssh.js';
import { thinFlagsGiven } from '../run/thin-notes.js';
import { versionsReport } from '../run/versions-report.js';
import { openCommandLogger } from '../cli/logging.js';
import { unquotedCommandHint } from '../cli/quote-hint.js';
import { listFunctions } from '../modules/registry.js';
import { targetTypeFromFlags } from '../targeting/match.js';

export default class SaltSsh extends BrineCommand {
  protected readonly binName = 'salt-ssh';
  // summary, not description: oclif prints a description twice (the top line and DESCRIPTION).
  static override summary = 'Run a salt execution-module function on roster hosts over SSH, with no agent on them.';
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
    'max-procs': Flags.integer({ min: 1, description: 'Pin the hosts in flight at once to N (default: adaptive, capped by config ssh_max_procs).' }),
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
    'ssh-option': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'OpenSSH option as with ssh -o, e.g. ProxyJump=bastion (repeatable; beats the roster and ssh_config).' }),
    'ssh-config-file': Flags.string({ description: 'OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file).' }),
    return: Flags.string({ description: 'Comma list of returners that also get every return, e.g. mysql.' }),
    return_config: Flags.string({ description: 'Alternative returner config prefix, e.g. alternative.' }),
    return_kwargs: Flags.string({ description: 'JSON object overriding returner options for this run.' }),
    lock: Flags.boolean({
      allowNo: true,
      description: 'Skip this run (exit 75, one line naming the running jid and pid) while the same audit still runs (config ssh_lock).',
    }),
    'jid-file': Flags.string({ description: 'Write the jid to this file when the job starts.' }),
    deadline: Flags.integer({ min: 1, description: 'Seconds the whole run may take; unfinished hosts time out and the run exits 124 (config ssh_run_deadline).' }),
    'rerun-failed': Flags.string({ description: 'Run job JID again (same function and arguments) on only the hosts that failed in it.' }),
    'return-only': Flags.string({
      description: 'What the --return returners get: failed, changed (since the last run of this audit), failed,changed or all (config <returner>.return_only).',
    }),
    changes: Flags.boolean({ description: 'Print only hosts whose return differs from the last run of this audit (same function, arguments, target).' }),
    grain: Flags.boolean({ char: 'G', description: 'The target is a grain glob (os:Debian), matched against each host\'s last grains.items in the job cache.' }),
    delimiter: Flags.string({ description: 'Delimiter of nested grain keys for -G (default :).' }),
    'key-deploy': Flags.boolean({ description: 'Deploy the key (priv + .pub) with the password to hosts that refuse it, then use the key.' }),
    'pre-flight': Flags.boolean({ description: 'Run the roster ssh_pre_flight script (brine always runs it: it has no thin to check).' }),
    'versions-report': Flags.boolean({ char: 'V', description: "Print brine's version and its components' and exit." }),
    'rand-thin-dir': Flags.boolean({ char: 'W', description: 'Accepted for salt compatibility: brine deploys no thin.' }),
    wipe: Flags.boolean({ char: 'w', description: 'Accepted for salt compatibility: brine deploys no thin.' }),
    'regen-thin': Flags.boolean({ char: 't', aliases: ['thin'], description: 'Accepted for salt compatibility: brine deploys no thin.' }),
  };

  async run(): Promise<number> {
    // Before parsing: oclif would take the `-l` of `cmd.run ls -l` for --log-level.
    const hint = unquotedCommandHint('salt-ssh', this.argv, SaltSsh.flags);
    if (hint !== undefined) throw new UsageError(hint);
    const { args, argv, flags } = await this.parse(SaltSsh);
    if (flags.completion !== undefined) return this.printCompletion(flags.completion, SaltSsh.flags, await listFunctions());
    if (flags['versions-report']) {
      process.stdout.write(await versionsReport());
      return 0;
    }
    const log = openCommandLogger(flags, process.stderr);
    const targetType = targetTypeFromFlags(flags);
    for (const name of ['timeout', 'deadline'] as const) {
      const seconds = flags[name];
      if (seconds !== undefined && seconds > DEFAULTS.maxTimeoutSec) {
        throw new UsageError(`--${name}: at most ${DEFAULTS.maxTimeoutSec} seconds (24 days), got ${seconds}`);
      }
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
        isChangesOnly: flags.changes,
        keyDeploy: flags['key-deploy'],
        thinFlags: thinFlagsGiven(flags),
        ...definedOnly({
          configDir: flags['config-dir'],
          saltfile: flags.saltfile,
          rosterFile: flags['roster-file'],
          sshOption: flags['ssh-option'],
          sshConfigFile: flags['ssh-config-file'],
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
          lock: flags.lock,
          jidFile: flags['jid-file'],
          deadline: flags.deadline,
          rerunFailed: flags['rerun-failed'],
          returnOnly: flags['return-only'],
          delimiter: flags.delimiter,
        }),
        ...outputOptions(flags),
      },
      { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), log },
    ).finally(() => log.close());
  }
}
