/**
 * `salt-run returners.test NAME` (brine's own): the returner contract checks against any returner,
 * built-in or custom, with its real settings, so a user can test the returner they wrote (or their
 * smtp/mysql settings) before a cron job depends on it. It stores a test job (load and two returns,
 * one failed, one with non-ASCII text), reads it back where the returner can read, delivers the same
 * returns again and checks nothing doubled, sends two job events where it takes events, and closes.
 * Each check prints salt's state-style `result`/`comment` under `NN-<check>` (numbered, so they
 * print in order); exit 0 when all pass, 1 otherwise.
 * Notification returners really send: expect two test messages (and two event messages).
 */
import type { HostReturn, JobLoad } from '../core/job.js';
import { describeError, ExitCode } from '../errors.js';
import { generateJid, saltStamp } from '../salt/jid.js';
import { loadReturner } from '../returners/registry.js';
import type { Returner } from '../returners/types.js';
import { loadContext, registryOf, returnerArg, type ReturnersRunnerContext } from './returners.js';
import type { RunnerFunction, RunnerResult } from './types.js';

interface CheckResult {
  result: boolean;
  comment: string;
}

const CALL_TIMEOUT_MS = 15_000;

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CALL_TIMEOUT_MS / 1000}s`)), CALL_TIMEOUT_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function testJob(now: Date): { load: JobLoad; rets: HostReturn[] } {
  const jid = generateJid(now);
  const stamp = saltStamp(now);
  const base = { jid, fun: 'test.echo', _stamp: stamp };
  return {
    load: { jid, fun: 'test.echo', arg: ['brine returners.test'], tgt: 'returners-test-*', tgt_type: 'glob', user: 'root' },
    rets: [
      { ...base, id: 'returners-test-1', fun_args: ['brine returners.test'], return: 'brine returners.test ✓ naïve 日本', retcode: 0, success: true },
      { ...base, id: 'returners-test-2', fun_args: ['brine returners.test'], return: { error: 'a failed return' }, retcode: 1, success: false },
    ],
  };
}

/** The checks in order; each says what it proved or why it failed. */
async function runChecks(r: Returner, now: Date, check: (name: string, work: () => Promise<string>) => Promise<boolean>): Promise<void> {
  const { load, rets } = testJob(now);
  const { jid } = load;
  const ids = rets.map((x) => x.id).sort();
  const caps = r.capabilities;
  await check('capabilities', () => {
    const missing = [
      ...(caps.jobCache ? (['getLoad', 'getJid', 'getJids'] as const).filter((m) => typeof r[m] !== 'function') : []),
      ...(caps.events && typeof r.eventReturn !== 'function' ? ['eventReturn'] : []),
      ...(caps.retention && typeof r.cleanOldJobs !== 'function' ? ['cleanOldJobs'] : []),
    ];
    if (missing.length > 0) throw new Error(`declares ${JSON.stringify(caps)} but lacks ${missing.join(', ')}`);
    return Promise.resolve(`job cache: ${caps.jobCache}, events: ${caps.events}, retention: ${caps.retention}`);
  });
  if (r.saveLoad) await check('save_load', async () => (await within(r.saveLoad!(jid, load, ids), 'save_load'), `stored the load of test job ${jid}`));
  const stored = await check('returner', async () => (await within(r.returner(rets), 'returner'), `delivered ${rets.length} returns of job ${jid}`));
  if (r.getLoad) {
    await check('get_load', async () => {
      const got = await within(r.getLoad!(jid), 'get_load');
      if (got?.jid !== jid || got.fun !== load.fun) throw new Error(`read back ${JSON.stringify(got)?.slice(0, 200)}`);
      return 'read the load back';
    });
  }
  const readIds = async (): Promise<string[]> => Object.keys(await within(r.getJid!(jid), 'get_jid')).sort();
  if (r.getJid && stored) {
    await check('get_jid', async () => {
      const got = await within(r.getJid!(jid), 'get_jid');
      if (JSON.stringify(Object.keys(got).sort()) !== JSON.stringify(ids)) throw new Error(`read back hosts ${Object.keys(got).join(', ') || '(none)'}, expected ${ids.join(', ')}`);
      if (JSON.stringify(got[rets[0]!.id]?.return) !== JSON.stringify(rets[0]!.return)) throw new Error(`the non-ASCII return came back as ${JSON.stringify(got[rets[0]!.id]?.return)}`);
      return `read back ${ids.length} returns, non-ASCII text intact`;
    });
  }
  if (stored) {
    await check('redelivery', async () => {
      await within(r.returner(rets), 'returner');
      if (!r.getJid) return 'delivered again without error (write-only: duplicates cannot be read back here)';
      const got = await readIds();
      if (JSON.stringify(got) !== JSON.stringify(ids)) throw new Error(`after redelivery: ${got.join(', ')}`);
      return 'delivered again: still one return per host';
    });
  }
  if (r.getJids) {
    await check('get_jids', async () => {
      const jids = await within(r.getJids!(), 'get_jids');
      if (!jids.some((j) => j.jid === jid)) throw new Error(`test job ${jid} not listed`);
      return `lists test job ${jid}`;
    });
  }
  if (caps.events && r.eventReturn) {
    await check('event_return', async () => {
      const events = [
        { tag: `salt/job/${jid}/new`, data: { ...load, minions: ids, _stamp: saltStamp(now) } },
        { tag: `salt/job/${jid}/ret/${rets[0]!.id}`, data: { cmd: '_return', ...rets[0]! } },
      ];
      await within(r.eventReturn!(events), 'event_return');
      return `delivered ${events.length} job events`;
    });
  }
}

export const test: RunnerFunction = {
  doc:
    'Run the returner contract checks against a returner, built-in or custom (returner_dirs,\n' +
    'extension_modules), with its configured settings: store a test job\'s load and returns, read them\n' +
    'back where it can, deliver again and check for duplicates, send job events, close. Notification\n' +
    'returners send real test messages. Exits 0 when every check passes, 1 otherwise.\n\n' +
    'CLI Example:\n\n    salt-run returners.test mysql\n    salt-run returners.test webhook return_config=staging',
  async run(args, kwargs, ctx): Promise<RunnerResult> {
    const registry = registryOf(ctx);
    const name = returnerArg('returners.test', args, kwargs, true, registry) ?? '';
    const results: Record<string, CheckResult> = {};
    const check = async (step: string, work: () => Promise<string>): Promise<boolean> => {
      // numbered, as salt's outputters sort keys and the checks read in order
      const key = `${String(Object.keys(results).length + 1).padStart(2, '0')}-${step}`;
      try {
        results[key] = { result: true, comment: await work() };
      } catch (err) {
        results[key] = { result: false, comment: describeError(err) };
      }
      return results[key].result;
    };
    let returner: Returner | undefined;
    await check('load', async () => {
      returner = await loadReturner(name, loadContext(ctx, kwargs, (ctx as ReturnersRunnerContext).localCache ?? ctx.cache), registry);
      return `built returner ${returner.name}`;
    });
    if (returner) {
      const r = returner;
      try {
        await runChecks(r, ctx.now(), check);
      } finally {
        await check('close', async () => (await within(r.close(), 'close'), 'closed'));
      }
    }
    const passed = Object.values(results).every((c) => c.result);
    return { data: { [name]: results }, exitCode: passed ? ExitCode.OK : ExitCode.GENERIC };
  },
};
