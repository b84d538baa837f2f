import type { BinName } from '../cli/run-bin.js';

const BINS: readonly BinName[] = ['salt-ssh', 'salt-run'];

const isBin = (name: string | undefined): name is BinName => BINS.includes(name as BinName);

/**
 * The single binary is both commands: the name it was started by picks one (`salt-run` is a link to
 * it); under any other name a first argument `salt-ssh`/`salt-run` picks, and salt-ssh is the default.
 */
export function pickBin(name: string, args: readonly string[]): { bin: BinName; args: string[] } {
  if (isBin(name)) return { bin: name, args: [...args] };
  const [first, ...rest] = args;
  return isBin(first) ? { bin: first, args: rest } : { bin: 'salt-ssh', args: [...args] };
}
