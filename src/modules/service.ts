import { bindArgs } from './args.js';
import { shellQuote } from './shell.js';
import { pyStr } from '../salt/python.js';
import { ArgumentError, type ExecutionModule, type ModuleFunction } from './types.js';

/**
 * `sig` is a pgrep -f pattern; this shell and its ancestors carry the pattern in their own
 * command lines (sh -c, sudo), so they are excluded; no subshell may be alive while pgrep runs.
 */
function signatureScript(sig: string): string {
  return [
    'mine=" $$ "; p=$$',
    'while [ "${p:-1}" -gt 1 ]; do p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d " ") || break; mine="$mine$p "; done',
    'found=False',
    `for x in $(pgrep -f -- ${shellQuote(sig)}); do case "$mine" in *" $x "*) ;; *) found=True;; esac; done`,
    'echo "$found"',
  ].join('\n');
}

/** systemd when it is running, else the `service` wrapper, else a process with that exact name. */
function nameScript(name: string): string {
  const q = shellQuote(name);
  return [
    `if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl is-active --quiet ${q}`,
    `elif command -v service >/dev/null 2>&1; then service ${q} status >/dev/null 2>&1`,
    `else pgrep -x ${q} >/dev/null; fi`,
    'if [ $? -eq 0 ]; then echo True; else echo False; fi',
  ].join('\n');
}

const status: ModuleFunction = {
  doc: `
    Return the status for a service: True if it is running, False otherwise.
    systemctl is-active is used under systemd, then 'service <name> status', then pgrep.
    sig: a pattern matched against process command lines (pgrep -f) instead.

    CLI Example:

        salt '*' service.status <service name> [service signature]
    `,
  prepare(call) {
    const { values } = bindArgs(call, { params: ['name', 'sig'], required: 1 });
    const name = pyStr(values['name']);
    if (name === '' || name.startsWith('-')) throw new ArgumentError(`${call.fun}: invalid service name '${name}'`);
    const sig = values['sig'];
    const script = sig === undefined || sig === null || sig === '' ? nameScript(name) : signatureScript(pyStr(sig));
    return { command: script };
  },
  parse(result) {
    if (result.exitCode !== 0) return { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
    return { return: result.stdout.trim().endsWith('True'), retcode: 0 };
  },
};

export const executionModule: ExecutionModule = { name: 'service', functions: { status } };
