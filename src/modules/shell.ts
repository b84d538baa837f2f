import { ArgumentError } from './types.js';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for POSIX sh so it is passed literally (quotes, `$`, spaces, newlines included). */
export function shellQuote(value: string): string {
  // sh cannot carry a NUL byte in an argument; refusing beats silently truncating.
  if (value.includes('\0')) throw new ArgumentError('Arguments cannot contain a NUL byte.');
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
