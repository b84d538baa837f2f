/** salt's `quiet` outputter: prints nothing (the job still runs, is cached and sets the exit code). */
import type { Outputter } from './types.js';

export const quiet: Outputter = () => '';
