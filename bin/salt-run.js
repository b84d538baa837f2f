#!/usr/bin/env node
import { runBin } from '../dist/cli/run-bin.js';

await runBin('salt-run', './dist/commands/run.js');
