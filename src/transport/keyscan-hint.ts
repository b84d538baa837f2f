import { keyTypeLabel } from './known-hosts.js';

/**
 * The OpenSSH command that records a host's key of `keyType` in `file`, for an unknown-host message:
 * `ssh-keyscan -p 2222 -t ed25519 127.0.0.1 >> /root/.ssh/known_hosts` (`-H` when the file is hashed).
 */
export function keyscanCommand(host: string, port: number, keyType: string, file: string, isHashed = false): string {
  const parts = ['ssh-keyscan'];
  if (isHashed) parts.push('-H');
  if (port !== 22) parts.push('-p', String(port));
  parts.push('-t', keyTypeLabel(keyType).toLowerCase(), quoteWord(host), '>>', quoteWord(file));
  return parts.join(' ');
}

/** A word as a POSIX shell reads it back: plain when it is safe, else single-quoted. */
function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
