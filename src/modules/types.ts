import type { ExecResult, HostTarget } from '../transport/types.js';

/** One call of an execution-module function on one host, with salt's CLI arguments already YAML-loaded. */
export interface FunctionCall {
  fun: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  jid: string;
  target: HostTarget;
}

/** What to run on the host: a /bin/sh command line, and what to feed its stdin (e.g. an uploaded script). */
export interface RemoteCommand {
  command: string;
  stdin?: string | Buffer;
  /** Overrides the job's command timeout (seconds), e.g. cmd.run's `timeout=` kwarg. */
  timeoutSec?: number;
}

/** What a function returned on one host: salt's `return` value and the retcode salt-call would exit with. */
export interface FunctionResult {
  return: unknown;
  retcode: number;
}

export interface ModuleFunction {
  /** salt's docstring, shown by sys.doc. */
  doc: string;
  /** Validates the arguments (throwing ArgumentError) and builds the remote command. Pure; built once per job for every host, so it must not depend on `call.target`. */
  prepare(call: FunctionCall): RemoteCommand | Promise<RemoteCommand>;
  /** Turns the command's output into salt's return value. Pure. */
  parse(result: ExecResult, call: FunctionCall): FunctionResult;
}

/** One salt execution module (`cmd`, `test`, `grains`…): its functions by short name (`run`, `ping`). */
export interface ExecutionModule {
  name: string;
  functions: Record<string, ModuleFunction>;
}

/** What sys.* reports about the loaded modules; the registry hands it to sys, which cannot import the registry that loads it. */
export interface ModuleCatalog {
  listModules(): string[];
  /** `module.function` names of every module, sorted. */
  listFunctions(): Promise<string[]>;
  /** Docstrings by function name for a sys.doc query (module, function or glob); all of them without one. */
  getDoc(query?: string): Promise<Record<string, string>>;
}

/** A bad argument to a module function; reported as a usage error before any host is contacted. */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}
