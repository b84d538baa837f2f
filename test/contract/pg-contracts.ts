/** Both contract suites for a PostgreSQL returner flavour, against a private database (through a TCP proxy for the outage). */
import type { HostReturn } from '../../src/core/job.js';
import type { Returner, ReturnerLoadContext } from '../../src/returners/types.js';
import { createTestPgDatabase, PG_PORT, type PgFlavourName } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { returnerDeliveryContract } from './delivery-suite.js';
import { returnerContractSuite } from './returner-suite.js';

export function pgReturnerContracts(flavour: PgFlavourName, createReturner: (ctx: ReturnerLoadContext) => Returner, poison: (jid: string) => HostReturn): void {
  returnerContractSuite(flavour, async () => {
    const db = await createTestPgDatabase(flavour);
    const count = async (sql: string, params: unknown[]): Promise<number> => Number((await db.rows<{ n: string }>(sql, params))[0]?.n);
    return {
      returner: createReturner({ opts: db.opts() }),
      countReturns: (jid, id) => count('SELECT COUNT(*) AS n FROM salt_returns WHERE jid = $1 AND id = $2', [jid, id]),
      countEvents: (tag) => count('SELECT COUNT(*) AS n FROM salt_events WHERE tag = $1', [tag]),
      cleanup: () => db.drop(),
    };
  }, ['save_load', 'get_jid', 'get_jids', 'get_fun', 'get_minions', 'event_return', 'clean_old_jobs', 'prep_jid']);

  returnerDeliveryContract(flavour, async () => {
    const db = await createTestPgDatabase(flavour);
    const proxy = await startTcpProxy(PG_PORT);
    return {
      returner: createReturner({ opts: db.opts({}, proxy.port) }),
      down: () => proxy.stop(),
      up: () => proxy.start(),
      storedIds: async (jid) => (await db.rows<{ id: string }>('SELECT id FROM salt_returns WHERE jid = $1', [jid])).map((r) => r.id),
      poison,
      cleanup: async () => {
        await proxy.close();
        await db.drop();
      },
    };
  });
}
