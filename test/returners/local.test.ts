import { describe, expect, it } from 'vitest';
import { createLocalReturner } from '../../src/returners/local.js';
import { hostReturn, returnerContractSuite, testJid } from '../contract/returner-suite.js';

returnerContractSuite('local', () => Promise.resolve({ returner: createLocalReturner(() => undefined) }), ['event_return']);

describe('local returner', () => {
  it('prints each return as salt\'s print(ret): the Python repr of the ret dict, one line each', async () => {
    let printed = '';
    const r = createLocalReturner((text) => (printed += text));
    const jid = testJid();
    await r.returner([{ ...hostReturn(jid, 'wéb1', { out: "it's 😀", n: null }, 'cmd.run'), fun_args: ['uptime'] }, hostReturn(jid, 'web2')]);
    expect(printed).toBe(
      `{'id': 'wéb1', 'jid': '${jid}', 'fun': 'cmd.run', 'fun_args': ['uptime'], 'return': {'out': "it's 😀", 'n': None}, ` +
        `'retcode': 0, 'success': True, '_stamp': '2026-11-29T04:33:01.123456'}\n` +
        `{'id': 'web2', 'jid': '${jid}', 'fun': 'test.ping', 'fun_args': [], 'return': True, 'retcode': 0, 'success': True, '_stamp': '2026-11-29T04:33:01.123456'}\n`,
    );
    printed = '';
    await r.eventReturn?.([{ tag: `salt/job/${jid}/new`, data: { jid, minions: ['a'] } }]);
    expect(printed).toBe(`[{'tag': 'salt/job/${jid}/new', 'data': {'jid': '${jid}', 'minions': ['a']}}]\n`);
  });
});
