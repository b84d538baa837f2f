import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { customReturnerDirs, returnerRegistry } from '../../src/returners/custom.js';
import { ReturnerError } from '../../src/returners/failure.js';
import { listUsableReturners, loadReturner, parseReturnerList, RETURNERS } from '../../src/returners/registry.js';
import { returnerDeliveryContract } from '../contract/delivery-suite.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { ROOT } from '../helpers/cli.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const EXAMPLE = join(ROOT, 'examples', 'returners', 'webhook.mjs');
let dir: string;
let receiver: WebhookReceiver;

/** A fresh returner dir with these files (name → source; `webhook.mjs` copies the README example). */
function returnerDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(dir, 'rd-'));
  for (const [name, source] of Object.entries(files)) {
    if (source === 'EXAMPLE') copyFileSync(EXAMPLE, join(d, name));
    else writeFileSync(join(d, name), source);
  }
  return d;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brine-custom-'));
  receiver = await startWebhookReceiver({ refuseId: 'refused' });
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('custom returners', () => {
  it('loads the README example from returner_dirs and delivers through it', async () => {
    const registry = await returnerRegistry({ returner_dirs: [returnerDir({ 'webhook.mjs': 'EXAMPLE' })] }, join(dir, 'cache'));
    expect(await listUsableReturners(registry)).toEqual([...(await listUsableReturners(RETURNERS)), 'webhook'].sort());
    const opts = { 'webhook.url': receiver.url, 'webhook.token': 't0k' };
    const r = await loadReturner('webhook', { opts }, registry);
    const jid = testJid();
    await r.returner([hostReturn(jid, 'web1', { 'ü': '😀' }), hostReturn(jid, 'web2')]);
    expect(receiver.returns.filter((x) => x['jid'] === jid).map((x) => x['id'])).toEqual(['web1', 'web2']);
    expect(receiver.returns.find((x) => x['id'] === 'web1' && x['jid'] === jid)?.['return']).toEqual({ 'ü': '😀' });
    expect(receiver.authorizations.at(-1)).toBe('Bearer t0k');
    // the example's scoped errors reach the forwarder as brine's ReturnerError
    const err = await r.returner([hostReturn(jid, 'refused')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReturnerError);
    expect(err).toMatchObject({ scope: 'item', message: `webhook ${receiver.url}: HTTP 422` });
    await r.close();
  });

  it('finds <extension_modules>/returners, defaulting to <cachedir>/extmods', async () => {
    const ext = mkdtempSync(join(dir, 'ext-'));
    mkdirSync(join(ext, 'returners'));
    copyFileSync(EXAMPLE, join(ext, 'returners', 'hook2.mjs'));
    expect(Object.keys(await returnerRegistry({ extension_modules: ext }, '/nonexistent'))).toContain('hook2');
    expect(Object.keys(await returnerRegistry({}, join(ext, '..', 'x')))).toEqual(Object.keys(RETURNERS));
    expect(customReturnerDirs({ returner_dirs: 'a' }, '/var/cache/salt/master', '/w')).toEqual(['/w/a', '/var/cache/salt/master/extmods/returners']);
    expect(parseReturnerList('hook2', '--return', await returnerRegistry({ extension_modules: ext }, '/x'))).toEqual(['hook2']);
  });

  it('a broken file is one line naming it, exit 78, and is not listed', async () => {
    const files = {
      'syntax.mjs': 'export function createReturner( {',
      'throws.mjs': 'throw new Error("no config for you");',
      'noexport.mjs': 'export const x = 1;',
      'badshape.js': 'export function createReturner() { return { name: "badshape" }; }',
      'failsetup.mjs': 'export function createReturner(ctx) { throw new ctx.ReturnerError("returner", "webhook.url: required"); }',
      '_helper.mjs': 'throw new Error("helpers are not returners");',
    };
    const d = returnerDir(files);
    const registry = await returnerRegistry({ returner_dirs: d }, '/x');
    const expected: Record<string, RegExp> = {
      // the one line of the engine's parse error (node's SyntaxError, or vite's under vitest)
      syntax: /^Returner syntax is unavailable: \/.*syntax\.mjs: cannot load custom returner syntax: \S/,
      throws: /^Returner throws is unavailable: \/.*throws\.mjs: cannot load custom returner throws: no config for you$/,
      noexport: /^Returner noexport is unavailable: \/.*noexport\.mjs: custom returner noexport exports no createReturner function$/,
      badshape: /^\/.*badshape\.js: createReturner\(\) must return an object with a returner\(rets\) method$/,
      failsetup: /^\/.*failsetup\.mjs: createReturner failed: webhook\.url: required$/,
    };
    for (const [name, message] of Object.entries(expected)) {
      const err = await loadReturner(name, { opts: {} }, registry).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(78);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
    const usable = await listUsableReturners(registry);
    expect(usable).toEqual(expect.arrayContaining(['badshape', 'failsetup']));
    for (const name of ['syntax', 'throws', 'noexport', '_helper', 'helper']) expect(usable).not.toContain(name);
  });

  it('refuses a custom file named like a built-in, a bad name, and one name twice', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ returner_dirs: returnerDir({ 'mysql.mjs': 'EXAMPLE' }) }, /mysql\.mjs: 'mysql' is a built-in returner; rename the file/],
      [{ returner_dirs: returnerDir({ 'my-hook.mjs': 'EXAMPLE' }) }, /my-hook\.mjs: a custom returner's file name must be a returner name/],
      [{ returner_dirs: [returnerDir({ 'a.mjs': 'EXAMPLE' }), returnerDir({ 'a.js': 'EXAMPLE' })] }, /a\.js: custom returner 'a' is already defined by .*a\.mjs/],
      [{ returner_dirs: { a: 1 } }, /^returner_dirs: expected a directory or a list of directories$/],
    ];
    for (const [opts, message] of cases) await expect(returnerRegistry(opts, '/x')).rejects.toThrow(message);
  });
});

returnerDeliveryContract('webhook', async () => {
  const own = await startWebhookReceiver({ refuseId: 'refused' });
  const proxy = await startTcpProxy(own.port);
  const registry = await returnerRegistry({ returner_dirs: returnerDir({ 'webhook.mjs': 'EXAMPLE' }) }, '/x');
  const returner = await loadReturner('webhook', { opts: { 'webhook.url': `http://127.0.0.1:${proxy.port}/hook`, 'webhook.timeout': 2 } }, registry);
  return {
    returner,
    down: () => proxy.stop(),
    up: () => proxy.start(),
    storedIds: (jid) => Promise.resolve(own.returns.filter((r) => r['jid'] === jid).map((r) => String(r['id']))),
    poison: (jid) => hostReturn(jid, 'refused'),
    cleanup: async () => {
      await proxy.close();
      await own.close();
    },
  };
});
