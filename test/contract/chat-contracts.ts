/** Both contract suites for a notification returner whose service runs in a test HTTPS receiver. */
import type { HostReturn } from '../../src/core/job.js';
import type { Returner } from '../../src/returners/types.js';
import { returnerDeliveryContract } from './delivery-suite.js';
import { returnerContractSuite, type ContractFunction, type ContractSubject } from './returner-suite.js';

export interface ChatSubject {
  returner: Returner;
  receiver: { stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> };
  /** Host ids of the messages the service accepted about `jid`, one per message. */
  ids(jid: string): string[];
}

/** What the service refuses for good (its documented error), or why it refuses nothing brine sends. */
export type ChatRefusal = { poison: (jid: string) => HostReturn } | { refusesNothing: string };

export function chatReturnerContracts<S extends ChatSubject>(
  name: string,
  subject: () => Promise<S>,
  functions: readonly ContractFunction[],
  refusal: ChatRefusal,
  more: (s: S) => Partial<ContractSubject> = () => ({}),
): void {
  returnerContractSuite(name, async () => {
    const s = await subject();
    return {
      returner: s.returner,
      countReturns: async (jid, id) => s.ids(jid).filter((x) => x === id).length,
      cleanup: () => s.receiver.close(),
      ...more(s),
    };
  }, functions);

  returnerDeliveryContract(name, async () => {
    const s = await subject();
    return {
      returner: s.returner,
      down: () => s.receiver.stop(),
      up: () => s.receiver.start(),
      storedIds: async (jid) => s.ids(jid),
      ...refusal,
      cleanup: () => s.receiver.close(),
    };
  });
}
