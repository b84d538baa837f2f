#!/usr/bin/env node
import { runBin } from '../dist/bundle/salt-run.mjs';

await runBin('salt-run', './dist/bundle/salt-run.mjs');
