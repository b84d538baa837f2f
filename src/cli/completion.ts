import { LOG_LEVELS } from '../core/log.js';
import { UsageError } from '../errors.js';
import { listOutputters } from '../output/registry.js';

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What the generator needs of an oclif flag definition. */
export interface CompletableFlag {
  type: string;
  char?: string;
  aliases?: string[];
  description?: string;
  hidden?: boolean;
  allowNo?: boolean;
}

/** What a flag's value completes to: listed words, files, directories, or nothing (free text). */
type ValueKind = { words: string[] } | 'file' | 'dir' | 'none';

function valueKind(name: string): ValueKind {
  if (name === 'out') return { words: listOutputters() };
  if (name === 'completion') return { words: [...COMPLETION_SHELLS] };
  if (name === 'log-level' || name === 'log-file-level') return { words: Object.keys(LOG_LEVELS) };
  if (name.endsWith('-dir')) return 'dir';
  if (name.endsWith('file') || name === 'priv') return 'file';
  return 'none';
}

/**
 * A static completion script for `bin`, generated from its flags, with `words` (function names) for
 * positional arguments: `source <(salt-ssh --completion bash)`. Static because oclif's autocomplete
 * plugin adds commands, which a single-command CLI cannot route to.
 */
export function completionScript(shell: string, bin: string, flags: Readonly<Record<string, CompletableFlag>>, words: readonly string[]): string {
  const visible = Object.entries(flags).filter(([, flag]) => flag.hidden !== true);
  if (shell === 'bash') return bashScript(bin, visible, words);
  if (shell === 'zsh') return zshScript(bin, visible, words);
  throw new UsageError(`--completion: '${shell}' is not a supported shell (valid: ${COMPLETION_SHELLS.join(', ')})`);
}

function spellings(name: string, flag: CompletableFlag): string[] {
  const longs = [name, ...(flag.aliases ?? [])].map((long) => `--${long}`);
  if (flag.allowNo === true) longs.push(`--no-${name}`);
  return flag.char === undefined ? longs : [`-${flag.char}`, ...longs];
}

function functionName(bin: string): string {
  return `_${bin.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function bashScript(bin: string, flags: Array<[string, CompletableFlag]>, words: readonly string[]): string {
  const cases: string[] = [];
  for (const [name, flag] of flags) {
    if (flag.type !== 'option') continue;
    const kind = valueKind(name);
    const reply =
      kind === 'file' ? 'COMPREPLY=( $(compgen -f -- "$cur") )'
      : kind === 'dir' ? 'COMPREPLY=( $(compgen -d -- "$cur") )'
      : kind === 'none' ? 'COMPREPLY=()'
      : `COMPREPLY=( $(compgen -W "${kind.words.join(' ')}" -- "$cur") )`;
    cases.push(`    ${spellings(name, flag).join('|')}) ${reply}; return 0 ;;`);
  }
  const allFlags = flags.flatMap(([name, flag]) => spellings(name, flag));
  const fn = functionName(bin);
  return [
    `# ${bin} completion for bash: source <(${bin} --completion bash)`,
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  case "$prev" in',
    ...cases,
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    `    COMPREPLY=( $(compgen -W "${allFlags.join(' ')}" -- "$cur") )`,
    '  else',
    `    COMPREPLY=( $(compgen -W "${words.join(' ')}" -- "$cur") )`,
    '  fi',
    '}',
    `complete -o default -F ${fn} ${bin}`,
    '',
  ].join('\n');
}

/** Text inside an `_arguments` spec's single quotes: no quote, and no bracket or colon that ends a field. */
function zshText(text: string): string {
  return text.replace(/'/g, '').replace(/\[/g, '(').replace(/\]/g, ')').replace(/:/g, '\\:');
}

function zshScript(bin: string, flags: Array<[string, CompletableFlag]>, words: readonly string[]): string {
  const specs: string[] = [];
  for (const [name, flag] of flags) {
    const description = zshText(flag.description ?? '');
    const names = spellings(name, flag);
    const kind = flag.type === 'option' ? valueKind(name) : undefined;
    const action =
      kind === undefined ? ''
      : kind === 'file' ? `:${name}:_files`
      : kind === 'dir' ? `:${name}:_files -/`
      : kind === 'none' ? `:${name}: `
      : `:${name}:(${kind.words.join(' ')})`;
    for (const spelling of names) {
      const suffix = kind === undefined ? '' : spelling.startsWith('--') ? '=' : '+';
      specs.push(`    '${spelling}${suffix}[${description}]${action}'`);
    }
  }
  const fn = functionName(bin);
  return [
    `#compdef ${bin}`,
    `# ${bin} completion for zsh: source <(${bin} --completion zsh), or save as _${bin} in your $fpath`,
    `${fn}() {`,
    '  _arguments -s \\',
    ...specs.map((spec) => `${spec} \\`),
    `    '*:argument:(${words.join(' ')})'`,
    '}',
    `if [ "$funcstack[1]" = "${fn}" ]; then ${fn} "$@"; else compdef ${fn} ${bin}; fi`,
    '',
  ].join('\n');
}
