import { bindArgs } from './args.js';
import type { ExecResult } from '../transport/types.js';
import type { ExecutionModule, FunctionResult, ModuleFunction } from './types.js';

const UPTIME_SCRIPT = [
  'exec 2>/dev/null',
  `echo "uptime=$(cut -d' ' -f1 /proc/uptime)"`,
  'echo "now=$(date +%s)"',
  'echo "tz=$(date +%z)"',
  'if command -v who >/dev/null; then echo "users=$(who | wc -l)"; fi',
].join('\n');

function keyValues(stdout: string): Map<string, string> {
  const pairs = stdout.split('\n').map((line): [string, string] => {
    const eq = line.indexOf('=');
    return eq === -1 ? ['', ''] : [line.slice(0, eq), line.slice(eq + 1).trim()];
  });
  return new Map(pairs);
}

/** `+0130` → seconds east of UTC. */
function offsetSeconds(tz: string): number {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz);
  if (m === null) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** salt's shape; since_iso is the host's local time without an offset, as Python's naive isoformat. */
export function uptimeReturn(values: Map<string, string>): FunctionResult {
  const seconds = Math.trunc(Number.parseFloat(values.get('uptime') ?? ''));
  const now = Number.parseInt(values.get('now') ?? '', 10);
  if (!Number.isFinite(seconds) || !Number.isFinite(now)) {
    return { return: 'File /proc/uptime was not found.', retcode: 1 };
  }
  const sinceT = now - seconds;
  const local = new Date((sinceT + offsetSeconds(values.get('tz') ?? '')) * 1000);
  const dayRemainder = seconds % 86400;
  const ret: Record<string, unknown> = {
    seconds,
    since_iso: local.toISOString().slice(0, 19),
    since_t: sinceT,
    days: Math.floor(seconds / 86400),
    // salt formats minutes without zero padding ("3:7").
    time: `${Math.floor(dayRemainder / 3600)}:${Math.floor((dayRemainder % 3600) / 60)}`,
  };
  const users = Number.parseInt(values.get('users') ?? '', 10);
  if (Number.isFinite(users)) ret['users'] = users;
  return { return: ret, retcode: 0 };
}

function failed(result: ExecResult): FunctionResult | undefined {
  return result.exitCode === 0 ? undefined : { return: result.stderr.trim(), retcode: result.exitCode ?? 1 };
}

const uptime: ModuleFunction = {
  doc: `
    Return the uptime for this system.

    Returns seconds, since_iso, since_t, days, time (hours:minutes) and users.

    CLI Example:

        salt '*' status.uptime
    `,
  prepare(call) {
    bindArgs(call, {});
    return { command: UPTIME_SCRIPT };
  },
  parse(result) {
    return failed(result) ?? uptimeReturn(keyValues(result.stdout));
  },
};

const loadavg: ModuleFunction = {
  doc: `
    Return the load averages for this minion

    CLI Example:

        salt '*' status.loadavg
    `,
  prepare(call) {
    bindArgs(call, {});
    return { command: 'cat /proc/loadavg' };
  },
  parse(result) {
    const failure = failed(result);
    if (failure !== undefined) return failure;
    const [one, five, fifteen] = result.stdout.trim().split(/\s+/).map(Number);
    if (one === undefined || five === undefined || fifteen === undefined || [one, five, fifteen].some(Number.isNaN)) {
      return { return: '/proc/loadavg could not be parsed', retcode: 1 };
    }
    return { return: { '1-min': one, '5-min': five, '15-min': fifteen }, retcode: 0 };
  },
};

export const executionModule: ExecutionModule = { name: 'status', functions: { uptime, loadavg } };
