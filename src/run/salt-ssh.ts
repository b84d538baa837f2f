import { userInfo } from 'node:os';
import { ArgumentError } from '../modules/types.js';
import { CacheError, UsageError } from '../errors.js';
import { loadFunction } from '../modules/registry.js';
import { getOutputter } from '../output/registry.js';
import type { Outputter } from '../output/types.js';
import { nodegroupsFromOpts, selectTargets, type TargetType } from '../targeting/match.js';
import { lazySshTransport, localTransport } from '../transport/index.js';
import type { HostKeyPolicy, HostTarget } from '../transport/types.js';
import type { HostReturn } from '../core/job.js';
import { parseFunctionArgs } from './args.js';
import { askPassword } from './askpass.js';
import { openOutputSink, shouldColor, verboseBanner, type OutputFlags, type OutputSink } from './output-sink.js';
import { createProgress } from './progress.js';
import { rawShell } from './raw-shell.js';
import { runJob } from './job.js';
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

/** salt-ssh: run one function on every matched roster host and print each host's result as it arrives. */
export async function saltSsh(options: SaltSshOptions, io: ProcessIo): Promise<number> {
  if (options.askpass) options.passwd = await askPassword('Password: ');
  const session = await loadSession(options, io);
  const { config, roster } = session;
  let opened: OutputSink | undefined;
  try {
    // A failed write must not abort the job: every return is still committed, and the failure exits 74 at the end.
    const sink = openOutputSink(io.stdout, options.outFile, options.outFileAppend, true);
    opened = sink;
    const render = outputRenderer(options, sink, io.env);
    if (options.listHosts) {
      const hosts = Object.fromEntries([...roster].map(([id, entry]) => [id, entry.host ?? id]));
      sink.write(render({ [config.rosterFile]: hosts }));
      return finishOutput(sink, 0);
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
          transports: { ssh: lazySshTransport(), local: localTransport },
          now: () => new Date(),
          user: config.opts.user === undefined ? userInfo().username : String(config.opts.user),
          pid: process.pid,
        },
        {
          onStart: (jid) => {
            started.jid = jid;
            // the load is queued: deliver it now, as salt's save_load runs before any host is contacted
            forwarding.notify();
            if (options.isVerbose) sink.write(verboseBanner(jid));
          },
          onReturn: (ret) => {
            started.returned += 1;
            progress.hostDone(!ret.success);
            forwarding.notify();
            if (options.isStatic) return;
            progress.clear();
            sink.write(render({ [ret.id]: ret.return }));
          },
        },
        controller.signal,
      );
      progress.stop();
      if (options.isStatic) sink.write(render(Object.fromEntries([...outcome.returns].map(([id, ret]) => [id, ret.return]))));
      if (options.isVerbose) sink.write(missingHosts(targets, outcome.returns, render));
      if (outcome.wasInterrupted) io.stderr.write(interruptedLine(outcome.jid, targets.length - outcome.returns.size, targets.length));
      await forwarding.finish();
      if (outcome.cacheError !== undefined) {
        sink.close();
        const outputFailure = sink.failure === undefined ? '' : `; ${sink.failure.message}`;
        throw new CacheError(`${outcome.cacheError.message}${outputFailure}`, { cause: outcome.cacheError });
      }
      if (!session.keepsLocalReturns) await session.cache.dropDeliveredReturns(outcome.jid);
      return finishOutput(sink, outcome.exitCode);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      progress.stop();
    }
  } finally {
    opened?.close();
    await session.close();
  }
}

/** Closes the output; a write that failed during the job is the run's error now that the job has ended. */
function finishOutput(sink: OutputSink, exitCode: number): number {
  sink.close();
  if (sink.failure !== undefined) throw sink.failure;
  return exitCode;
}

function interruptedLine(jid: string, unfinished: number, total: number): string {
  return `[WARNING ] Interrupted: ${unfinished} of ${total} hosts did not finish; jid ${jid}\n`;
}

function outputRenderer(options: SaltSshOptions, sink: OutputSink, env: NodeJS.ProcessEnv) {
  const outputter: Outputter = getOutputter(options.out ?? 'nested');
  const color = shouldColor(options, sink, env);
  const indent = options.outIndent ?? 4;
  return (data: Record<string, unknown>) => outputter(data, { color, indent });
}

function missingHosts(targets: readonly HostTarget[], returns: ReadonlyMap<string, HostReturn>, render: (d: Record<string, unknown>) => string): string {
  const missing = targets.filter((target) => !returns.has(target.id));
  if (missing.length === 0) return '';
  return render(Object.fromEntries(missing.map((target) => [target.id, 'Minion did not return. [No response]'])));
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
