#!/usr/bin/env node
import { runBin } from '../dist/bundle/salt-ssh.mjs';

await runBin('salt-ssh', './dist/bundle/salt-ssh.mjs');
