import { describe, expect, it } from 'vitest';
import { getDoc, listFunctions, listModules, loadFunction } from '../../../src/modules/registry.js';
import { ArgumentError } from '../../../src/modules/types.js';

describe('module registry', () => {
  it('lists the modules sorted', () => {
    expect(listModules()).toEqual(['cmd', 'disk', 'file', 'grains', 'pkg', 'service', 'status', 'sys', 'test']);
  });

  it('lists functions of one module and of all, sorted', async () => {
    expect(await listFunctions('cmd')).toEqual(['cmd.retcode', 'cmd.run', 'cmd.run_all', 'cmd.script', 'cmd.shell']);
    const all = await listFunctions();
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['test.ping', 'grains.items', 'sys.doc', 'status.loadavg', 'disk.usage']));
    expect(await listFunctions('nosuch')).toEqual([]);
  });

  it('loads a function with a doc that has a CLI Example', async () => {
    const fn = await loadFunction('test.ping');
    expect(fn.doc).toContain('CLI Example:');
    expect(fn.doc).toContain("salt '*' test.ping");
  });

  it.each(['test.nope', 'nosuch.run', 'cmd', 'cmd.run.x', '', 'cmd.constructor', '__proto__.x', 'toString.x'])(
    "'%s' is not available",
    async (fun) => {
      const err = await loadFunction(fun).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArgumentError);
      expect((err as Error).message).toBe(`'${fun}' is not available.`);
    },
  );

  it('getDoc answers for one function, a module, a glob, everything and nothing', async () => {
    expect(Object.keys(await getDoc('test.ping'))).toEqual(['test.ping']);
    expect(Object.keys(await getDoc('status'))).toEqual(['status.loadavg', 'status.uptime']);
    expect(Object.keys(await getDoc('cmd.run*'))).toEqual(['cmd.run', 'cmd.run_all']);
    expect(Object.keys(await getDoc())).toEqual(await listFunctions());
    expect(await getDoc('nosuch.fun')).toEqual({});
  });

  it('every function has a docstring with a CLI example', async () => {
    for (const [name, doc] of Object.entries(await getDoc())) {
      expect(doc, name).toMatch(new RegExp(`CLI Example:[\\s\\S]*salt '\\*' ${name.replace('.', '\\.')}`));
    }
  });
});
