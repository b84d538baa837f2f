/**
 * The Saltfile's flag dests (`output`, `static`, `verbose`, `ignore_host_keys`…) under the command
 * line: a flag given on the command line wins, a Saltfile value fills in what was not given (salt's
 * SaltfileMixIn). The values were type-checked when the Saltfile was read (config/saltfile.ts).
 */
type Values = Readonly<Record<string, unknown>>;

const BOOLEANS: ReadonlyArray<readonly [string, string]> = [
  ['static', 'isStatic'],
  ['verbose', 'isVerbose'],
  ['raw_shell', 'isRawShell'],
  ['ignore_host_keys', 'ignoreHostKeys'],
  ['no_host_keys', 'noHostKeys'],
  ['no_color', 'noColor'],
  ['force_color', 'forceColor'],
  ['output_file_append', 'outFileAppend'],
  ['ssh_key_deploy', 'keyDeploy'],
];

const VALUES: ReadonlyArray<readonly [string, string]> = [
  ['output', 'out'],
  ['output_indent', 'outIndent'],
  ['output_file', 'outFile'],
  ['delimiter', 'delimiter'],
  ['return_config', 'returnConfig'],
  ['timeout', 'timeout'],
];

/** `options` are salt-ssh's (run/salt-ssh.ts SaltSshOptions); typed loosely so this file need not import it. */
export function applySaltfileFlags<T extends object>(options: T, values: Values): T {
  const out = { ...options } as Record<string, unknown>;
  const has = (key: string) => Object.hasOwn(values, key) && values[key] !== null && values[key] !== undefined;
  for (const [key, field] of BOOLEANS) if (has(key) && values[key] === true) out[field] = true;
  for (const [key, field] of VALUES) if (has(key) && out[field] === undefined) out[field] = values[key];
  if (has('return') && out['return'] === undefined) {
    const value = values['return'];
    out['return'] = Array.isArray(value) ? value.join(',') : value;
  }
  if (has('return_kwargs') && out['returnKwargs'] === undefined) {
    const value = values['return_kwargs'];
    out['returnKwargs'] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out as T;
}
