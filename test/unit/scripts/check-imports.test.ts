import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'scripts', 'check-imports.mjs');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(srcDir: string, cwd: string) {
  const res = spawnSync(process.execPath, [SCRIPT, srcDir], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: res.status, problems: res.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('check-imports:')) };
}

/** Writes `files` (path under src → text) into a temp tree and runs the checker on its src. */
function check(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'brine-imports-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'src', path)), { recursive: true });
    writeFileSync(join(dir, 'src', path), text);
  }
  return run(join(dir, 'src'), dir);
}

describe('scripts/check-imports.mjs', () => {
  it('passes a tree whose imports point to the same or a lower layer, without cycles', () => {
    const res = check({
      'errors.ts': 'export class BrineError extends Error {}\n',
      'core/job.ts': "import { BrineError } from '../errors.js';\nimport ssh2 from 'ssh2';\nimport { x } from 'node:fs';\n",
      'roster/load.ts': "import type { Job } from '../core/job.js';\nimport { a } from '../config/a.js';\n",
      'config/a.ts': "import { b } from './b.js';\n// import { r } from '../roster/load.js';\nexport const a = 1;\n",
      'config/b.ts': "export const b = '../roster/load.js';\n",
    });
    expect(res.problems).toEqual([]);
    expect(res.status).toBe(0);
  });

  it('fails on an upward import, static, type-only, re-exported or dynamic', () => {
    const res = check({
      'config/options.ts': "import { validateEntry } from '../roster/entry.js';\n",
      'config/types.ts': "import type { Roster } from '../roster/entry.js';\n",
      'config/index.ts': "export { validateEntry } from '../roster/entry.js';\n",
      'transport/lazy.ts': "const load = () => import('../modules/registry.js');\n",
      'roster/entry.ts': 'export const validateEntry = 1;\n',
      'modules/registry.ts': 'export {};\n',
    });
    expect(res.status).toBe(1);
    expect(res.problems).toEqual([
      'src/config/index.ts imports src/roster/entry.ts: upward import (config is below roster)',
      'src/config/options.ts imports src/roster/entry.ts: upward import (config is below roster)',
      'src/config/types.ts imports src/roster/entry.ts: upward import (config is below roster)',
      'src/transport/lazy.ts imports src/modules/registry.ts: upward import (transport is below modules)',
    ]);
  });

  it('fails on a cycle between files of one folder, naming the path around it', () => {
    const res = check({
      'modules/registry.ts': "const sys = () => import('./sys.js');\n",
      'modules/sys.ts': "import { listModules } from './list.js';\n",
      'modules/list.ts': "import { MODULES } from './registry.js';\n",
      'modules/cmd.ts': "import { listModules } from './list.js';\n",
    });
    expect(res.status).toBe(1);
    expect(res.problems).toEqual(['import cycle: src/modules/list.ts → src/modules/registry.ts → src/modules/sys.ts → src/modules/list.ts']);
  });

  it('fails on a folder that is not a known layer and on an import that resolves to no file', () => {
    const res = check({ 'web/view.ts': "import { gone } from '../core/gone.js';\n" });
    expect(res.status).toBe(1);
    expect(res.problems).toEqual([
      "src/web/view.ts: 'web' is not a known layer; add it to LAYERS in scripts/check-imports.mjs",
      "src/web/view.ts: import '../core/gone.js' does not resolve to a .ts file",
    ]);
  });

  it("finds in brine's src no upward import out of src/config and no cycle through src/modules", () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const { problems } = run(join(root, 'src'), root);
    expect(problems.filter((line) => line.startsWith('src/config/') || (line.startsWith('import cycle:') && line.includes('src/modules/')))).toEqual([]);
  });
});
