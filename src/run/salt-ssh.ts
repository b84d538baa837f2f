import { userInfo } from 'node:os';
import { ArgumentError } from '../modules/types.js';
import { CacheError, UsageError, type BrineError } from '../errors.js';
import { loadFunction } from '../modules/registry.js';
import { loadTarget, type TargetType } from '../targeting/match.js';
import { createTransports } from '../transport/registry.js';
import type { HostKeyPolicy, HostTarget } from '../transport/types.js';
import { parseFunctionArgs } from '../job/args.js';
import { rawShell } from '../job/raw-shell.js';
import { runJob } from '../job/run-job.js';
import type { ReturnStatus } from '../core/job.js';
import { openDisplay, verboseBanner, type Display, type OutputFlags } from '../display/display.js';
import { askPassword } from './askpass.js';
import { acquireAuditLock, isLockWanted, type AuditLock } from './audit-lock.js';
import { deadlineSeconds, isMachineReadable, jobReportLines, writeJidFile } from './job-report.js';
import { resolveJobSpec } from './rerun.js';
import { startDriftRun } from './drift-run.js';
import { createProgress, SILENT_PROGRESS, type Progress } from './progress.js';
import type { Logger } from '../core/log.js';
import { loadSession, type SessionFlags } from './session.js';
import { withSshTarget } from './target-hosts.js';
import { loadPreFlightScripts } from './pre-flight-scripts.js';
import { applySaltfileFlags } from './saltfile-flags.js';
import { thinNote } from './thin-notes.js';

export interface SaltSshOptions extends SessionFlags, OutputFlags {
  tgt?: string;
  fun?: string;
  argv: string[];
  targetType: TargetType;
  isRawShell: boolean;
  isVerbose: boolean;
  isStatic: boolean;
  listHosts: boolean;
  jid?: string;
  maxProcs?: number;
  ignoreHostKeys: boolean;
  noHostKeys: boolean;
  askpass: boolean;
  timeout?: number;
  /** `--lock`/`--no-lock`; absent: the `ssh_lock` key. */
  lock?: boolean;
  jidFile?: string;
  /** `--deadline` seconds; absent: the `ssh_run_deadline` key. */
  deadline?: number;
  rerunFailed?: string;
  /** `--changes`: print only hosts whose return differs from the audit's previous run. */
  isChangesOnly?: boolean;
  /** `--return-only failed,changed`: what the `--return` returners get (delivery/alert-filter.ts). */
  returnOnly?: string;
  /** `--key-deploy`: deploy the key with the password to hosts that refuse it (job/key-deploy.ts). */
  keyDeploy?: boolean;
  /** `--delimiter` for -G. */
  delimiter?: string;
  /** Thin flags given (`-W/--rand-thin-dir`…): noted once, they have nothing to do. */
  thinFlags?: string[];
}

export interface ProcessIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `-l/--log-level` (and `--log-file`): made by the command, passed to the transport and the job. */
  log?: Logger;
}

/** Default per-host command timeout: long enough for real work, short enough that a hung host ends a cron audit. */
export const DEFAULT_COMMAND_TIMEOUT_SEC = 300;

/**
 * salt-ssh: run one function on every matched roster host and print each host's result as it arrives.
 * The job itself is `runJob`; this is the terminal around it: the password prompt, signals, the
 * progress line, rendering, and the cache error that ends the run with 74.
 */
export async function saltSsh(options: SaltSshOptions, io: ProcessIo): Promise<number> {
  if (options.askpass) options.passwd = await askPassword('Password: ');
  const session = await loadSession(options, io);
  const { config, roster } = session;
  // A Saltfile's delimiter is meant for every run; a --delimiter typed with a target it cannot affect is a mistake to point out.
  if (options.delimiter !== undefined && options.targetType !== 'grain') {
    io.stderr.write(`[NOTE    ] --delimiter has no effect: it splits nested grain keys for -G, and this target is ${options.targetType}\n`);
  }
  options = applySaltfileFlags(options, config.saltfileValues);
  const note = thinNote({ flags: options.thinFlags ?? [], saltfile: config.saltfileValues, roster, ...minionOptsOf(config.opts) });
  if (note !== undefined) io.stderr.write(`${note}\n`);
  let opened: Display | undefined;
  let lock: AuditLock | undefined;
  try {
    // A failed write must not abort the job: every return is still committed, and the failure exits 74 at the end.
    const display = openDisplay(options, io, { isDeferringErrors: true });
    opened = display;
    display.outputter();
    if (options.listHosts) {
      const hosts = Object.fromEntries([...roster].map(([id, entry]) => [id, entry.host ?? id]));
      display.show({ [config.rosterFile]: hosts });
      return display.finish(0);
    }
    let progress: Progress = SILENT_PROGRESS;
    // One way to warn: a line written while hosts run (a returner, --return-only, --key-deploy) first erases the progress line.
    const warn = (line: string) => {
      progress.clear();
      io.stderr.write(`${line}\n`);
    };
    const spec = await resolveJobSpec(options, session.cache, [...roster.keys()], config.opts, warn);
    if (spec === undefined) return display.finish(0);
    const targets = await loadPreFlightScripts(spec.ids.map((id) => withSshTarget(session.resolve(id), spec.sshTarget)), io.cwd);

    const fun = spec.isRawShell ? 'ssh._raw' : spec.fun;
    const argv = spec.isRawShell ? [spec.fun, ...spec.argv] : spec.argv;
    const parsed = spec.isRawShell ? { args: [argv.join(' ')], kwargs: {} } : parseFunctionArgs(argv);
    const fn = spec.isRawShell ? rawShell : await asUsage(() => loadFunction(fun, session.returners));
    await asUsage(() => fn.prepare({ fun, args: parsed.args, kwargs: parsed.kwargs, jid: '0', target: targets[0] as HostTarget }));
    // a bad --return-only or <returner>.return_only is refused before the lock, forwarding or any host
    const drift = startDriftRun(options, config.opts, session.cache, warn, session.returners);
    const deadlineSec = deadlineSeconds(options.deadline, config);
    // Taken before anything is written for this run (forwarding, the jid), so a skipped run leaves only its line.
    if (isLockWanted(options.lock, config)) {
      lock = acquireAuditLock(config.cachedir, { configDir: config.configDir, fun, argv, tgt: spec.tgt, tgtType: spec.targetType });
    }
    let jidFileFailure: BrineError | undefined;

    // Log lines would run into the progress line, so a verbose log level goes without one.
    progress = io.log?.isEnabled('info') === true ? SILENT_PROGRESS : createProgress(io.stderr, targets.length, io.env);
    const controller = new AbortController();
    const started = { jid: undefined as string | undefined, returned: 0 };
    const onSignal = () => {
      if (!controller.signal.aborted) return controller.abort();
      // A second signal leaves at once; node:sqlite writes synchronously, so the mark lands before exit.
      progress.stop();
      if (started.jid !== undefined) {
        session.cache.endJob(started.jid, Date.now(), true).catch(() => undefined);
        io.stderr.write(interruptedLine(started.jid, targets.length - started.returned, targets.length));
      }
      process.exit(130);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const forwarding = await session.startForwarding(warn);
    const routeReturn = drift.routeFor(forwarding.returnerNames);
    // folded groups identical returns, so it needs every host at once, as --static does
    const isStatic = options.isStatic || options.out === 'folded';
    try {
      // --static prints every host at the end, so only then are the returns kept here.
      const kept = new Map<string, unknown>();
      const outcome = await runJob(
        {
          tgt: loadTarget(spec.tgt, spec.targetType),
          tgtType: spec.targetType,
          ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
          targets,
          fun,
          argv,
          parsed,
          fn,
          ...(options.jid === undefined ? {} : { jid: options.jid }),
          // --max-procs pins the fan-out; otherwise it adapts, with config ssh_max_procs as its cap
          maxProcs: options.maxProcs ?? session.maxProcs,
          isAdaptive: options.maxProcs === undefined,
          commandTimeoutSec: options.timeout ?? DEFAULT_COMMAND_TIMEOUT_SEC,
          maxOutputBytes: session.maxOutputBytes,
          connect: {
            hostKeys: hostKeyPolicy(options, session.knownHostsFile),
            ...(options.keyDeploy === true ? { keyDeploy: true } : {}),
            ...(io.log === undefined ? {} : { log: io.log }),
            ...agent(io.env),
            warn,
          },
          forwardTo: forwarding.returnerNames,
          ...(routeReturn === undefined ? {} : { routeReturn }),
        },
        {
          cache: session.cache,
          transports: createTransports(),
          now: () => new Date(),
          user: config.opts.user === undefined ? userInfo().username : String(config.opts.user),
          pid: process.pid,
          ...(io.log === undefined ? {} : { log: io.log }),
        },
        {
          signal: controller.signal,
          ...(deadlineSec === undefined ? {} : { deadlineSec }),
          hooks: {
            onStarted: ({ jid }) => {
              started.jid = jid;
              // the load is queued: deliver it now, as salt's save_load runs before any host is contacted
              forwarding.notify();
              lock?.setJid(jid);
              if (options.jidFile !== undefined) {
                try {
                  writeJidFile(options.jidFile, jid);
                } catch (err) {
                  jidFileFailure = err as BrineError;
                }
              }
              if (!options.isVerbose) return;
              // a parser reading stdout (--out json) gets one clean document; the jid is on stderr
              if (isMachineReadable(options.out)) {
                progress.clear();
                io.stderr.write(verboseBanner(jid));
              } else display.write(verboseBanner(jid));
            },
            onConcurrency: ({ limit }) => progress.concurrency(limit),
            onReturned: async ({ ret }) => {
              started.returned += 1;
              progress.hostDone(!ret.success);
              forwarding.notify();
              if (!(await drift.isShown(ret))) return;
              if (isStatic) return void kept.set(ret.id, ret.return);
              progress.clear();
              display.show({ [ret.id]: ret.return });
            },
          },
        },
      );
      progress.stop();
      if (isStatic) display.show(Object.fromEntries(kept));
      if (options.isVerbose) display.write(missingHosts(targets, outcome.returns, display));
      const changesNote = await drift.note(outcome.jid, io.stderr.isTTY === true);
      if (changesNote !== undefined) io.stderr.write(`${changesNote}\n`);
      if (outcome.wasInterrupted) io.stderr.write(interruptedLine(outcome.jid, targets.length - outcome.returns.size, targets.length));
      io.stderr.write(jobReportLines(outcome));
      await forwarding.finish();
      if (outcome.cacheError !== undefined) {
        display.close();
        const outputFailure = display.failure === undefined ? '' : `; ${display.failure.message}`;
        throw new CacheError(`${outcome.cacheError.message}${outputFailure}`, { cause: outcome.cacheError });
      }
      if (!session.keepsLocalReturns) await session.cache.dropDeliveredReturns(outcome.jid);
      if (jidFileFailure !== undefined) {
        display.close();
        throw jidFileFailure;
      }
      return display.finish(outcome.exitCode);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      progress.stop();
    }
  } finally {
    lock?.release();
    opened?.close();
    await session.close();
  }
}

function minionOptsOf(opts: Readonly<Record<string, unknown>>): { minionOpts?: Record<string, unknown> } {
  const value = opts['ssh_minion_opts'];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { minionOpts: value as Record<string, unknown> } : {};
}

function interruptedLine(jid: string, unfinished: number, total: number): string {
  return `[WARNING ] Interrupted: ${unfinished} of ${total} hosts did not finish; jid ${jid}\n`;
}

function missingHosts(targets: readonly HostTarget[], returns: ReadonlyMap<string, ReturnStatus>, display: Display): string {
  const missing = targets.filter((target) => !returns.has(target.id));
  if (missing.length === 0) return '';
  return display.render(Object.fromEntries(missing.map((target) => [target.id, 'Minion did not return. [No response]'])));
}

function hostKeyPolicy(options: SaltSshOptions, knownHostsFile: string): HostKeyPolicy {
  if (options.noHostKeys) return { mode: 'none', knownHostsFile };
  return { mode: options.ignoreHostKeys ? 'ignore' : 'strict', knownHostsFile };
}

function agent(env: NodeJS.ProcessEnv): { agentSocket?: string } {
  return env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {};
}

async function asUsage<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ArgumentError) throw new UsageError(err.message);
    throw err;
  }
}
