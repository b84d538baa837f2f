import { isLogLevel } from '../core/log.js';
import { shellQuote } from '../modules/shell.js';

/** What the scan needs of an oclif flag definition. */
export interface FlagShape {
  type: string;
  char?: string;
  aliases?: string[];
}

const CMD_FUNCTION = /^cmd\.[A-Za-z_]+$/;

/**
 * `salt-ssh '*' cmd.run ls -l`: the shell splits the command and the parser takes `-l` for brine's own
 * flag. Returns the usage message that says how to quote it, or undefined when the words after the
 * command are all flags brine would read as meant (`-v`, `-l debug`, `--out json`).
 */
export function unquotedCommandHint(bin: string, argv: readonly string[], flags: Readonly<Record<string, FlagShape>>): string | undefined {
  const longs = new Map<string, FlagShape>();
  const shorts = new Map<string, FlagShape>();
  for (const [name, flag] of Object.entries(flags)) {
    longs.set(name, flag);
    for (const alias of flag.aliases ?? []) longs.set(alias, flag);
    if (flag.char !== undefined) shorts.set(flag.char, flag);
  }
  const positionals: number[] = [];
  let isRaw = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') break;
    if (word.startsWith('--')) {
      const [name = '', value] = word.slice(2).split('=', 2);
      const flag = longs.get(name);
      if (flag === flags['raw-shell']) isRaw = true;
      if (flag?.type === 'option' && value === undefined) i++;
    } else if (word.startsWith('-') && word.length > 1) {
      const flag = shorts.get(word[1] ?? '');
      if (flag === flags['raw-shell'] && word.length === 2) isRaw = true;
      if (flag?.type === 'option' && word.length === 2) i++;
    } else {
      positionals.push(i);
    }
  }
  const startAt = isRaw ? positionals[1] : CMD_FUNCTION.test(argv[positionals[1] ?? -1] ?? '') ? positionals[2] : undefined;
  if (startAt === undefined) return undefined;
  // `df -h` means the command's -h, not brine's help.
  const help = flags['help'];
  const split = splitAt(argv, startAt, longs, help?.char === undefined ? shorts : new Map([...shorts].filter(([char]) => char !== help.char)));
  if (split === undefined) return undefined;
  const words = argv.slice(startAt, split.end);
  const prefix = argv.slice(positionals[0] ?? 0, startAt).filter((_, index) => !isRaw || index === 0);
  const example = [bin, ...prefix.map(shellQuote), ...(isRaw ? ['-r'] : []), shellQuote(words.join(' '))].join(' ');
  return `the command was split at '${argv[split.at] ?? ''}', which ${bin} took as its own flag; quote the command: ${example}`;
}

/** The first word after the command's start that is not a flag brine would take as meant, and where the command's words end. */
function splitAt(argv: readonly string[], start: number, longs: Map<string, FlagShape>, shorts: Map<string, FlagShape>) {
  for (let i = start + 1; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') break;
    if (!word.startsWith('-') || word.length === 1) continue;
    if (word.startsWith('--')) {
      const [name = '', value] = word.slice(2).split('=', 2);
      const flag = longs.get(name);
      if (flag === undefined) return { at: i, end: commandEnd(argv, i) };
      if (name === 'log-level' && !isLogLevel(value ?? argv[i + 1] ?? '')) return { at: i, end: commandEnd(argv, i) };
      if (flag.type === 'option' && value === undefined) i++;
      continue;
    }
    const flag = shorts.get(word[1] ?? '');
    if (flag?.type === 'option') {
      const value = word.length > 2 ? word.slice(2) : argv[i + 1];
      // -l takes salt's level names only: `-la` or `-l /tmp` is an ls option.
      if (word[1] === 'l' && !isLogLevel(value ?? '')) return { at: i, end: commandEnd(argv, i) };
      if (word.length === 2) i++;
      // `grep -c x file`: a plain word after the flag's value is more of the command, not brine's.
      if (isPlainWord(argv[i + 1])) return { at: word.length === 2 ? i - 1 : i, end: commandEnd(argv, i) };
      continue;
    }
    const isBooleanCluster = [...word.slice(1)].every((char) => shorts.get(char)?.type === 'boolean');
    if (!isBooleanCluster) return { at: i, end: commandEnd(argv, i) };
  }
  return undefined;
}

function isPlainWord(word: string | undefined): boolean {
  return word !== undefined && !word.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word);
}

/** The command goes on through the plain words after the split, up to brine's next long flag. */
function commandEnd(argv: readonly string[], from: number): number {
  let end = from + 1;
  while (end < argv.length && !(argv[end] ?? '').startsWith('--')) end++;
  return end;
}
