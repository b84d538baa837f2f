/** A loopback HTTP receiver for the example webhook returner at /hook: records each JSON body; answers 422 to a batch holding a refused id, 404 elsewhere. */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every return received, in order (a duplicate shows twice). */
  readonly returns: Array<Record<string, unknown>>;
  readonly authorizations: Array<string | undefined>;
  requests(): number;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhookReceiver(options: { refuseId?: string } = {}): Promise<WebhookReceiver> {
  const returns: Array<Record<string, unknown>> = [];
  const authorizations: Array<string | undefined> = [];
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    bodyOf(req).then((text) => {
      const body = JSON.parse(text) as { returns?: Array<Record<string, unknown>> };
      if (req.url !== '/hook') {
        res.writeHead(404).end();
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json' || !Array.isArray(body.returns)) {
        res.writeHead(400).end();
        return;
      }
      if (options.refuseId !== undefined && body.returns.some((r) => r['id'] === options.refuseId)) {
        res.writeHead(422, { 'content-type': 'application/json' }).end('{"error": "refused"}');
        return;
      }
      authorizations.push(req.headers.authorization);
      returns.push(...body.returns);
      res.writeHead(204).end();
    }, () => res.writeHead(400).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    returns,
    authorizations,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
