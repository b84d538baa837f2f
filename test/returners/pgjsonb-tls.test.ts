/** pgjsonb's libpq TLS keys against a private PostgreSQL with TLS on (server certificate for DNS:localhost). */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReturnerError } from '../../src/returners/failure.js';
import { createReturner, type PgjsonbReturner } from '../../src/returners/pgjsonb.js';
import { hostReturn, testJid } from '../contract/returner-suite.js';
import { startTlsPgServer, type TlsPgServer } from '../helpers/postgres-tls.js';

describe('pgjsonb over TLS', () => {
  let server: TlsPgServer;
  const open: PgjsonbReturner[] = [];
  const make = (host: string, extra: Record<string, unknown>): PgjsonbReturner => {
    const r = createReturner({
      opts: { 'returner.pgjsonb.host': host, 'returner.pgjsonb.port': server.port, 'returner.pgjsonb.user': 'postgres', 'returner.pgjsonb.db': 'postgres', ...extra },
    });
    open.push(r);
    return r;
  };
  /** Whether the returner's session is encrypted, as the server sees it. */
  const isEncrypted = async (): Promise<boolean[]> => {
    const admin = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ssl: boolean }>("SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'brine'");
      return rows.map((r) => r.ssl);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    server = await startTlsPgServer();
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await server?.stop();
  });

  it('verify-full with sslrootcert stores over an encrypted session', async () => {
    const r = make('localhost', { 'returner.pgjsonb.sslmode': 'verify-full', 'returner.pgjsonb.sslrootcert': server.caFile });
    expect(await r.init()).toBe('tables salt_returns, jids, salt_events ready in db postgres');
    const jid = testJid();
    await r.returner([hostReturn(jid, 'tls1')]);
    expect(Object.keys(await r.getJid(jid))).toEqual(['tls1']);
    expect(await isEncrypted()).toEqual([true]);
    await r.close();
  });

  it('verify-full refuses a certificate for another name, verify-ca accepts it; a foreign CA is refused: one-line returner errors', async () => {
    const failure = async (r: PgjsonbReturner): Promise<ReturnerError> => (await r.getMinions().then(() => undefined, (e: unknown) => e)) as ReturnerError;
    const wrongName = await failure(make('127.0.0.1', { 'returner.pgjsonb.sslmode': 'verify-full', 'returner.pgjsonb.sslrootcert': server.caFile }));
    expect([wrongName.scope, wrongName.message]).toEqual(['returner', expect.stringMatching(new RegExp(`^pgjsonb postgres@127\\.0\\.0\\.1:${server.port}/postgres: Hostname/IP does not match certificate's altnames`))]);
    expect(wrongName.message).not.toContain('\n');
    expect(await make('127.0.0.1', { 'returner.pgjsonb.sslmode': 'verify-ca', 'returner.pgjsonb.sslrootcert': server.caFile }).getMinions()).toBeInstanceOf(Array);
    const foreign = await failure(make('localhost', { 'returner.pgjsonb.sslmode': 'verify-ca', 'returner.pgjsonb.sslrootcert': server.otherCaFile }));
    expect([foreign.scope, foreign.message]).toEqual(['returner', `pgjsonb postgres@localhost:${server.port}/postgres: unable to verify the first certificate`]);
    for (const r of open.splice(0)) await r.close();
  });

  it('require encrypts without verifying; prefer uses TLS when the server has it', async () => {
    for (const mode of ['require', 'prefer']) {
      const r = make('127.0.0.1', { 'returner.pgjsonb.sslmode': mode });
      expect(await r.getMinions()).toBeInstanceOf(Array);
      expect(await isEncrypted()).toEqual([true]);
      await r.close();
    }
  });
});
