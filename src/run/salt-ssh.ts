import { userInfo } from 'node:os';
import { ArgumentError } from '../modules/types.js';
import { CacheError, UsageError } from '../errors.js';
import { loadFunction } from '../modules/registry.js';
import { nodegroupsFromOpts, selectTargets, type TargetType } from '../targeting/match.js';
import { createTransports } from '../transport/registry.js';
import type { HostKeyPolicy, HostTarget } from '../transport/types.js';
import { parseFunctionArgs } from '../job/args.js';
import { rawShell } from '../job/raw-shell.js';
import { runJob } from '../job/run-job.js';
import type { ReturnStatus } from '../job/types.js';
import { openDisplay, verboseBanner, type Display, type OutputFlags } from '../display/display.js';
import { askPassword } from './askpass.js';
import { createProgress } from './progress.js';
import { loadSession, type SessionFlags } from './session.js';

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
}

export interface ProcessIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
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
  let opened: Display | undefined;
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
    if (options.tgt === undefined || options.fun === undefined) throw new UsageError('Insufficient arguments');
    const ids = selectTargets([...roster.keys()], options.tgt, options.targetType, nodegroupsFromOpts(config.opts));
    const targets = ids.map((id) => session.resolve(id));

    const fun = options.isRawShell ? 'ssh._raw' : options.fun;
    const argv = options.isRawShell ? [options.fun, ...options.argv] : options.argv;
    const parsed = options.isRawShell ? { args: [argv.join(' ')], kwargs: {} } : parseFunctionArgs(argv);
    const fn = options.isRawShell ? rawShell : await asUsage(() => loadFunction(fun));
    await asUsage(() => fn.prepare({ fun, args: parsed.args, kwargs: parsed.kwargs, jid: '0', target: targets[0] as HostTarget }));

    const progress = createProgress(io.stderr, targets.length, io.env);
    const controller = new AbortController();
    const started = { jid: undefined as string | undefined, returned: 0 };
    const onSignal = () => {
      if (!controller.signal.aborted) return controller.abort();
      // A second signal leaves at once; better-sqlite3 writes synchronously, so the mark lands before exit.
      progress.stop();
      if (started.jid !== undefined) {
        session.cache.endJob(started.jid, Date.now(), true).catch(() => undefined);
        io.stderr.write(interruptedLine(started.jid, targets.length - started.returned, targets.length));
      }
      process.exit(130);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const forwarding = await session.startForwarding();
    try {
      // --static prints every host at the end, so only then are the returns kept here.
      const kept = new Map<string, unknown>();
      const outcome = await runJob(
        {
          tgt: options.tgt,
          tgtType: options.targetType,
          targets,
          fun,
          argv,
          parsed,
          fn,
          ...(options.jid === undefined ? {} : { jid: options.jid }),
          maxProcs: options.maxProcs ?? session.maxProcs,
          commandTimeoutSec: options.timeout ?? DEFAULT_COMMAND_TIMEOUT_SEC,
          maxOutputBytes: session.maxOutputBytes,
          connect: {
            hostKeys: hostKeyPolicy(options, session.knownHostsFile),
            ...agent(io.env),
            warn: (line) => {
              progress.clear();
              io.stderr.write(`${line}\n`);
            },
          },
          forwardTo: forwarding.returnerNames,
        },
        {
          cache: session.cache,
          transports: createTransports(),
          now: () => new Date(),
          user: config.opts.user === undefined ? userInfo().username : String(config.opts.user),
          pid: process.pid,
        },
        {
          signal: controller.signal,
          hooks: {
            onStarted: ({ jid }) => {
              started.jid = jid;
              // the load is queued: deliver it now, as salt's save_load runs before any host is contacted
              forwarding.notify();
              if (options.isVerbose) display.write(verboseBanner(jid));
            },
            onReturned: ({ ret }) => {
              started.returned += 1;
              progress.hostDone(!ret.success);
              forwarding.notify();
              if (options.isStatic) return void kept.set(ret.id, ret.return);
              progress.clear();
              display.show({ [ret.id]: ret.return });
            },
          },
        },
      );
      progress.stop();
      if (options.isStatic) display.show(Object.fromEntries(kept));
      if (options.isVerbose) display.write(missingHosts(targets, outcome.returns, display));
      if (outcome.wasInterrupted) io.stderr.write(interruptedLine(outcome.jid, targets.length - outcome.returns.size, targets.length));
      await forwarding.finish();
      if (outcome.cacheError !== undefined) {
        display.close();
        const outputFailure = display.failure === undefined ? '' : `; ${display.failure.message}`;
        throw new CacheError(`${outcome.cacheError.message}${outputFailure}`, { cause: outcome.cacheError });
      }
      if (!session.keepsLocalReturns) await session.cache.dropDeliveredReturns(outcome.jid);
      return display.finish(outcome.exitCode);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      progress.stop();
    }
  } finally {
    opened?.close();
    await session.close();
  }
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
