/**
 * Roster `set_path` and `cmd_umask` around the command, inside any sudo wrapper so the command itself
 * runs with them (salt's shim exports PATH and the umask before salt-call).
 */
import type { CommandSettings } from '../transport/types.js';

/** Double quotes keep `$PATH` expandable, as salt's `export PATH={set_path}` does; `"`, `\` and backquotes are literal. */
function doubleQuote(value: string): string {
  return `"${value.replace(/["\\`]/g, (c) => `\\${c}`)}"`;
}

export function withCommandEnv(command: string, settings: CommandSettings | undefined): string {
  const lines: string[] = [];
  if (settings?.setPath !== undefined) lines.push(`PATH=${doubleQuote(settings.setPath)}; export PATH`);
  if (settings?.umask !== undefined) lines.push(`umask ${settings.umask}`);
  return lines.length === 0 ? command : `${lines.join('\n')}\n${command}`;
}
