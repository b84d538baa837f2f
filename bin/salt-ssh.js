#!/usr/bin/env node
import { runBin } from '../dist/cli/run-bin.js';

await runBin('salt-ssh', './dist/commands/ssh.js');
