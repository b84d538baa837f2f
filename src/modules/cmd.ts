import { readFile } from 'node:fs/promises';
import { bindArgs } from './args.js';
import {
  CMD_KEYWORDS,
  type CmdOptions,
  hasTimedOut,
  invocation,
  PID_MARKER,
  readCmdOptions,
  splitPid,
  timedOutText,
  transportTimeout,
} from './cmd-exec.js';
import { shellQuote } from './shell.js';
import { pyStr, pyRstrip } from '../salt/python.js';
import {
  ArgumentError,
  type ExecutionModule,
  type FunctionCall,
  type FunctionResult,
  type ModuleFunction,
  type RemoteCommand,
} from './types.js';
import type { ExecResult } from '../transport/types.js';

const KWARGS_DOC = `
    Keyword arguments: cwd, env (a dict), runas, shell (default /bin/sh), stdin,
    timeout (seconds), python_shell, output_loglevel, ignore_retcode, hide_output.
    runas uses su when the command already runs as root, sudo -n -u otherwise.`;

const PRINT_PID = `printf '${PID_MARKER}%s\\n' "$$"`;

function bindCmd(call: FunctionCall): { cmd: string; options: CmdOptions } {
  const { values } = bindArgs(call, { params: ['cmd'], required: 1, keywords: CMD_KEYWORDS });
  return { cmd: pyStr(values['cmd']), options: readCmdOptions(call.fun, values) };
}

function shellCore(cmd: string, options: CmdOptions): () => string {
  return () => `${shellQuote(options.shell)} -c ${shellQuote(cmd)}`;
}

function withStdin(command: string, options: CmdOptions): RemoteCommand {
  return { command, ...(options.stdin === undefined ? {} : { stdin: options.stdin }), ...transportTimeout(options) };
}

function retcodeOf(result: ExecResult, options: CmdOptions): number {
  return options.ignoreRetcode ? 0 : (result.exitCode ?? 1);
}

/** cmd.run / cmd.shell: one string, stderr merged into stdout in order. */
function mergedRun(doc: string): ModuleFunction {
  return {
    doc,
    prepare(call) {
      const { cmd, options } = bindCmd(call);
      return withStdin(`exec 2>&1\n${invocation(options, shellCore(cmd, options))}`, options);
    },
    parse(result, call) {
      const { cmd, options } = bindCmd(call);
      if (hasTimedOut(result, options)) return { return: timedOutText(cmd, options), retcode: 1 };
      const output = pyRstrip(result.stdout + result.stderr);
      return { return: options.hideOutput ? '' : output, retcode: retcodeOf(result, options) };
    },
  };
}

/** salt's `{pid, retcode, stdout, stderr}` (in that key order; a timeout uses salt's other order). */
function allResult(result: ExecResult, options: CmdOptions, commandText: string): FunctionResult {
  const { pid, stdout } = splitPid(result.stdout);
  if (hasTimedOut(result, options)) {
    return { return: { stdout: timedOutText(commandText, options), stderr: '', retcode: 1, pid }, retcode: 1 };
  }
  const retcode = result.exitCode ?? 1;
  const hide = options.hideOutput;
  return {
    return: { pid, retcode, stdout: hide ? '' : pyRstrip(stdout), stderr: hide ? '' : pyRstrip(result.stderr) },
    retcode: options.ignoreRetcode ? 0 : retcode,
  };
}

const run = mergedRun(`
    Execute the passed command and return the output as a string.
    stderr is merged into stdout; the retcode is the command's exit status.
${KWARGS_DOC}

    CLI Example:

        salt '*' cmd.run "ls -l | awk '/foo/{print \\$2}'"
    `);

const shell = mergedRun(`
    Execute the passed command through the shell and return the output as a string.
${KWARGS_DOC}

    CLI Example:

        salt '*' cmd.shell "ls -l | awk '/foo/{print \\$2}'"
    `);

const runAll: ModuleFunction = {
  doc: `
    Execute the passed command and return a dict of pid, retcode, stdout and stderr.
${KWARGS_DOC}

    CLI Example:

        salt '*' cmd.run_all "ls -l | awk '/foo/{print \\$2}'"
    `,
  prepare(call) {
    const { cmd, options } = bindCmd(call);
    return withStdin(`${PRINT_PID}\n${invocation(options, shellCore(cmd, options))}`, options);
  },
  parse(result, call) {
    const { cmd, options } = bindCmd(call);
    return allResult(result, options, cmd);
  },
};

const retcode: ModuleFunction = {
  doc: `
    Execute a shell command and return the command's return code.
${KWARGS_DOC}

    CLI Example:

        salt '*' cmd.retcode "file /bin/bash"
    `,
  prepare(call) {
    const { cmd, options } = bindCmd(call);
    return withStdin(`${invocation(options, shellCore(cmd, options))} >/dev/null 2>&1`, options);
  },
  parse(result, call) {
    const { options } = bindCmd(call);
    const code = hasTimedOut(result, options) ? 1 : (result.exitCode ?? 1);
    return { return: code, retcode: options.ignoreRetcode ? 0 : code };
  },
};

interface ScriptCall {
  source: string;
  args: string;
  options: CmdOptions;
}

function bindScript(call: FunctionCall): ScriptCall {
  const { values } = bindArgs(call, { params: ['source', 'args'], required: 1, keywords: CMD_KEYWORDS });
  const source = pyStr(values['source']);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith('file://')) {
    throw new ArgumentError(`cmd.script: '${source}' is not supported: brine has no file server, pass a local file path`);
  }
  const raw = values['args'];
  const args =
    raw === undefined || raw === null
      ? ''
      : Array.isArray(raw)
        ? raw.map((arg) => shellQuote(pyStr(arg))).join(' ')
        : pyStr(raw);
  return { source: source.replace(/^file:\/\//, ''), args, options: readCmdOptions(call.fun, values) };
}

async function readScript(source: string): Promise<Buffer> {
  try {
    return await readFile(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new ArgumentError(`cmd.script: source file '${source}' ${why}`);
  }
}

const script: ModuleFunction = {
  doc: `
    Download a script from a local path on the master side and execute it on the host.
    The script is sent over stdin to a temporary file, made executable, run with args
    (a string, shell-interpreted) and removed. salt:// URLs are not supported.
${KWARGS_DOC}

    CLI Example:

        salt '*' cmd.script /srv/scripts/runme.sh 'arg1 arg2 "arg 3"'
    `,
  async prepare(call) {
    const { source, args, options } = bindScript(call);
    const content = await readScript(source);
    const user = options.runas === undefined ? '' : shellQuote(options.runas);
    const handOver =
      user === '' ? '' : `if [ "$(id -u)" -eq 0 ]; then chown ${user} "$f"; else chmod 755 "$f"; fi || exit 1`;
    const core = (pathRef: string) => `${shellQuote(options.shell)} -c ${shellQuote(`"$0" ${args}`)} ${pathRef}`;
    const command = [
      PRINT_PID,
      `f=$(mktemp "\${TMPDIR:-/tmp}/brine-script.XXXXXXXX") || exit 1`,
      `trap 'rm -f "$f"' EXIT`,
      `trap 'exit 1' HUP INT TERM`,
      `cat >"$f" && chmod 700 "$f" || exit 1`,
      handOver,
      invocation(options, core, '"$f"'),
    ].join('\n');
    return { command, stdin: content, ...transportTimeout(options) };
  },
  parse(result, call) {
    const { source, args, options } = bindScript(call);
    return allResult(result, options, args === '' ? source : `${source} ${args}`);
  },
};

export const executionModule: ExecutionModule = {
  name: 'cmd',
  functions: { run, run_all: runAll, retcode, shell, script },
};
