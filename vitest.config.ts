import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // sshd and the databases are shared per file; files run in parallel on 2 cores
    fileParallelism: true,
    maxWorkers: 2,
  },
});
