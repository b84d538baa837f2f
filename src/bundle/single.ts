// Entry of the single binary (scripts/build-binary.mjs): both commands in one file, picked by the name it was started by.
import { basename, dirname } from 'node:path';
import { runBin } from '../cli/run-bin.js';
import { embeddedTarget } from './embedded.js';
import { pickBin } from './multi-call.js';

// argv0 is the name as typed (a symlink's name); execPath has the link resolved.
const { bin, args } = pickBin(basename(process.argv0), process.argv.slice(2));
void runBin(bin, { root: dirname(process.execPath), target: embeddedTarget(bin) }, args);
