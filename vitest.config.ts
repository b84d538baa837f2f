import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `fast` (test/unit): in-process, over the local transport and temp SQLite caches; no
 * sshd, no MariaDB, no spawned CLI (`npm run test:fast`, the edit loop). `integration`: everything
 * that starts a real sshd, uses MariaDB or spawns the built CLI. `npm test` runs both.
 */
export default defineConfig({
  test: {
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // sshd and the databases are shared per file; files run in parallel on 2 cores
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/returners/**/*.test.ts'] },
      },
    ],
  },
});
