/** Return values from salt 3007.1 runs (/work/shared/reference/salt-outputs.md), shared by the outputter tests. */

export const PLAIN = { color: false, indent: 4 } as const;

/** Joins lines and ends with a newline, so trailing spaces in expected output stay visible. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** The caller's streaming mode: one call per host, in completion order. */
export function stream(
  outputter: (data: Record<string, unknown>, options: { color: boolean; indent: number }) => string,
  hosts: [string, unknown][],
  options: { color: boolean; indent: number } = PLAIN,
): string {
  return hosts.map(([id, value]) => outputter({ [id]: value }, options)).join('');
}

export const runAllFalse = (pid: number): Record<string, unknown> => ({
  pid,
  retcode: 127,
  stdout: '',
  stderr: '/bin/bash: line 1: False: command not found',
});

export const hang = {
  stdout: '',
  stderr: 'Connection timed out during banner exchange\nConnection to 127.0.0.1 port 2298 timed out',
  retcode: 255,
  parsed: null,
  _error: 'The command resulted in a non-zero exit code',
};

export const uptime = ' 17:18:06 up 38 min,  0 user,  load average: 2.23, 2.62, 2.45';

export const sysDoc = {
  'test.ping':
    "\n    Used to make sure the minion is up and responding. Not an ICMP ping.\n\n    Returns ``True``.\n\n    CLI Example:\n\n        salt '*' test.ping\n    ",
};

export const lookupJidReturn = {
  jid: '20261128171806796511',
  return: uptime,
  retcode: 0,
  id: 'node1',
  fun: 'cmd.run',
  fun_args: ['uptime'],
};

export const printJob = {
  '20261128171805987941': {
    Function: 'cmd.run',
    Arguments: ['uptime'],
    Target: 'node1',
    'Target-type': 'glob',
    User: 'root',
    Minions: ['node1'],
    StartTime: '2026, Nov 28 17:18:05.987941',
    Result: { node1: { return: lookupJidReturn } },
  },
};

/** One `jobs.list_jobs` entry for a `test.ping '*'` run. */
export const listJobsEntry = (startTime: string): Record<string, unknown> => ({
  Function: 'test.ping',
  Arguments: [],
  Target: '*',
  'Target-type': 'glob',
  User: 'root',
  StartTime: startTime,
});
