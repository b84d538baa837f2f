/**
 * rsyslogd on a private unix socket in a temp dir, writing every message to a file as
 * `pri|facility|severity|tag|programname|msg` (returners.md §4). Stopped by its PID. The main queue is
 * direct, so messages land in the order they were sent: `sync()` sends a marker and waits for it, after
 * which everything sent before is in the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SyslogLine {
  pri: number;
  facility: string;
  severity: string;
  tag: string;
  program: string;
  msg: string;
}

export interface RsyslogServer {
  readonly socket: string;
  readonly dir: string;
  /** Every line written so far, after the messages sent before this call have landed. */
  lines(): Promise<SyslogLine[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function waitForFile(dir: string, check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, () => {
      if (!check()) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`rsyslog: ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    if (check()) {
      clearTimeout(timer);
      watcher.close();
      resolve();
    }
  });
}

function parse(line: string): SyslogLine {
  const [pri = '', facility = '', severity = '', tag = '', program = '', ...msg] = line.split('|');
  return { pri: Number(pri), facility, severity, tag, program, msg: msg.join('|').replace(/^ /, '') };
}

export async function startRsyslog(): Promise<RsyslogServer> {
  const dir = mkdtempSync(join(tmpdir(), 'brine-rsyslog-'));
  const socket = join(dir, 'log.sock');
  const messages = join(dir, 'messages');
  const pidFile = join(dir, 'rsyslogd.pid');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, [
    `global(workDirectory="${dir}" maxMessageSize="64k")`,
    'main_queue(queue.type="Direct")',
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${socket}" CreatePath="on")`,
    'template(name="brine" type="string" string="%pri%|%syslogfacility-text%|%syslogseverity-text%|%syslogtag%|%programname%|%msg%\\n")',
    `*.* action(type="omfile" file="${messages}" template="brine" asyncWriting="off" flushOnTXEnd="on")`,
    '',
  ].join('\n'));
  let pid: number | undefined;
  const read = () => (existsSync(messages) ? readFileSync(messages, 'utf8') : '');

  const start = async (): Promise<void> => {
    execFileSync('rsyslogd', ['-f', conf, '-i', pidFile], { stdio: 'ignore' });
    await waitForFile(dir, () => existsSync(pidFile) && existsSync(socket), 'no socket');
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  };
  const stop = async (): Promise<void> => {
    if (pid === undefined) return;
    const stopping = pid;
    pid = undefined;
    process.kill(stopping, 'SIGTERM');
    await waitForFile(dir, () => !existsSync(pidFile), 'did not stop');
  };
  await start();
  return {
    socket,
    dir,
    async lines() {
      const marker = `sync-${randomUUID()}`;
      spawnSync('logger', ['-u', socket, '-t', 'brine-test-sync', '--socket-errors=on', marker]);
      await waitForFile(dir, () => read().includes(marker), `marker ${marker} not written`);
      return read().split('\n').filter((l) => l !== '' && !l.includes('brine-test-sync')).map(parse);
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
