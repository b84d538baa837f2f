import { parse as parseYaml } from 'yaml';
import { optionalBoolean, optionalSeconds } from './args.js';
import { shellQuote } from './shell.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError } from './types.js';
import type { ExecResult } from '../transport/types.js';

/** The keyword arguments every cmd function accepts (salt's names). */
export const CMD_KEYWORDS = [
  'cwd',
  'env',
  'runas',
  'shell',
  'stdin',
  'timeout',
  'python_shell',
  'output_loglevel',
  'ignore_retcode',
  'hide_output',
] as const;

/** cmd's keyword arguments, validated. */
export interface CmdOptions {
  cwd?: string;
  env: [string, string][];
  runas?: string;
  shell: string;
  stdin?: string;
  timeoutSec?: number;
  ignoreRetcode: boolean;
  hideOutput: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\$?$/;
/** Grace after `timeout=` before the host's `timeout` utility sends SIGKILL, and before the transport gives up. */
const KILL_GRACE_SEC = 5;
export const PID_MARKER = 'brine-pid:';

export function readCmdOptions(fun: string, values: Record<string, unknown>): CmdOptions {
  const options: CmdOptions = {
    env: readEnv(fun, values['env']),
    shell: '/bin/sh',
    ignoreRetcode: optionalBoolean(fun, 'ignore_retcode', values['ignore_retcode']),
    hideOutput: optionalBoolean(fun, 'hide_output', values['hide_output']),
  };
  const cwd = values['cwd'];
  if (cwd !== undefined && cwd !== null) {
    const path = pyStr(cwd);
    if (!path.startsWith('/')) throw new ArgumentError(`${fun}: cwd '${path}' is not an absolute path`);
    options.cwd = path;
  }
  const runas = values['runas'];
  if (runas !== undefined && runas !== null && runas !== '') {
    const user = pyStr(runas);
    if (!USER_NAME.test(user)) throw new ArgumentError(`${fun}: runas '${user}' is not a valid user name`);
    options.runas = user;
  }
  const shell = values['shell'];
  if (shell !== undefined && shell !== null) {
    const path = pyStr(shell);
    if (!/^\/\S+$/.test(path)) throw new ArgumentError(`${fun}: shell '${path}' must be an absolute path`);
    options.shell = path;
  }
  const stdin = values['stdin'];
  if (stdin !== undefined && stdin !== null) options.stdin = pyStr(stdin);
  const timeoutSec = optionalSeconds(fun, 'timeout', values['timeout']);
  if (timeoutSec !== undefined) options.timeoutSec = timeoutSec;
  return options;
}

function readEnv(fun: string, raw: unknown): [string, string][] {
  if (raw === undefined || raw === null || raw === '') return [];
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = parseYaml(raw, { version: '1.1' }) as unknown;
    } catch {
      throw new ArgumentError(`${fun}: env must be a dict or a JSON/YAML string of one`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArgumentError(`${fun}: env must be a dict or a JSON/YAML string of one`);
  }
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => {
    if (!ENV_NAME.test(name)) throw new ArgumentError(`${fun}: env name '${name}' is not a valid variable name`);
    return [name, pyStr(v)];
  });
}

/**
 * One sh compound command that runs `core` with cwd/env/timeout, as `runas` when set: root uses `su`
 * (no sudoers entry needed), anyone else `sudo -n -u`. `core` receives how to refer to the optional
 * path (`pathWord`, e.g. "$f"; "$1" inside the user switch); its exit status is the command's.
 */
export function invocation(options: CmdOptions, core: (pathRef: string) => string, pathWord?: string): string {
  const body = (pathRef: string, stdinPipe: string): string => {
    const cd =
      options.cwd === undefined
        ? 'cd 2>/dev/null'
        : `cd -- ${shellQuote(options.cwd)} 2>/dev/null || { printf '%s\\n' ${shellQuote(
            `Specified cwd '${options.cwd}' either not absolute or does not exist`,
          )} >&2; exit 1; }`;
    const timeout = options.timeoutSec === undefined ? '' : `timeout -k ${KILL_GRACE_SEC} ${options.timeoutSec} `;
    const env = options.env.length === 0 ? '' : `env ${options.env.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')} `;
    return `${cd}\n${stdinPipe}exec ${timeout}${env}${core(pathRef)}`;
  };
  const stdinPipe = pathWord !== undefined && options.stdin !== undefined ? `printf '%s' ${shellQuote(options.stdin)} | ` : '';
  if (options.runas === undefined) return `(${body(pathWord ?? '', stdinPipe)})`;
  const user = shellQuote(options.runas);
  const inner = shellQuote(body('"$1"', stdinPipe));
  const pathArg = pathWord === undefined ? '' : ` ${pathWord}`;
  return [
    `id -u ${user} >/dev/null 2>&1 || { printf '%s\\n' ${shellQuote(`User '${options.runas}' is not available`)} >&2; exit 1; }`,
    `if [ "$(id -u)" -eq 0 ]; then su -s /bin/sh -c ${inner} ${user} sh${pathArg}`,
    `else sudo -n -u ${user} /bin/sh -c ${inner} sh${pathArg}; fi`,
  ].join('\n');
}

/** The transport's own limit for a `timeout=` run: the host's `timeout` kills first, this is the backstop. */
export function transportTimeout(options: CmdOptions): { timeoutSec?: number } {
  return options.timeoutSec === undefined ? {} : { timeoutSec: options.timeoutSec + 2 * KILL_GRACE_SEC };
}

/** Takes the `brine-pid:` line printed before the command off stdout. */
export function splitPid(stdout: string): { pid: number; stdout: string } {
  if (!stdout.startsWith(PID_MARKER)) return { pid: 0, stdout };
  const end = stdout.indexOf('\n');
  const line = end === -1 ? stdout : stdout.slice(0, end);
  return { pid: Number(line.slice(PID_MARKER.length)) || 0, stdout: end === -1 ? '' : stdout.slice(end + 1) };
}

/** 124 is `timeout`'s status for "killed on time", 137 when it had to SIGKILL after the grace period. */
export function hasTimedOut(result: ExecResult, options: CmdOptions): boolean {
  if (result.timedOut) return true;
  return options.timeoutSec !== undefined && (result.exitCode === 124 || result.exitCode === 137);
}

export function timedOutText(command: string, options: CmdOptions): string {
  if (options.timeoutSec === undefined) return `${command} : Timed out`;
  return `${command} : Timed out after ${options.timeoutSec} seconds`;
}
