/**
 * A custom brine returner: POSTs each batch of returns as JSON to a webhook.
 *
 * Install: copy this file into a directory named by `returner_dirs` in the master config (or into
 * `<extension_modules>/returners/`); the file name is the returner name:
 *
 *     returner_dirs: [/etc/salt/returners]
 *     webhook.url: https://hooks.example.org/salt
 *     webhook.token: s3cret            # optional: sent as "Authorization: Bearer s3cret"
 *
 *     salt-ssh '*' cmd.run 'df -h /' --return webhook
 *     salt-run returners.test webhook     # the contract checks against your receiver
 *
 * Request: `POST <url>` with `Content-Type: application/json` and the body
 * `{"returns": [{"id", "jid", "fun", "fun_args", "return", "retcode", "success", "_stamp"}, ...]}`.
 * A batch may come again after a crash or an outage: the receiver should key returns by (jid, id).
 */

/** `ctx`: brine's CustomReturnerContext (config, `options(schema)`, `ReturnerError`); no import needed. */
export function createReturner(ctx) {
  // salt's option lookup: webhook.url, <return_config>.webhook.url, --return_kwargs '{"url": ...}'
  const { url, token, timeout } = ctx.options({
    url: { kind: 'string' },
    token: { kind: 'string' },
    timeout: { kind: 'int', default: 5 },
  });
  if (!url) throw new ctx.ReturnerError('returner', 'webhook.url: required by the webhook returner');

  async function post(body) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeout * 1000), // a hung receiver must not hang the run
      });
    } catch (err) {
      throw new ctx.ReturnerError('transient', `webhook ${url}: ${err.cause?.code ?? err.message}`); // retried later
    }
    await response.arrayBuffer(); // frees the connection
    if (response.ok) return;
    const why = `webhook ${url}: HTTP ${response.status}`;
    // refused for good: brine narrows the batch to the return at fault and sets it aside
    if ([400, 413, 422].includes(response.status)) throw new ctx.ReturnerError('item', why);
    // settings are wrong: stop sending for this run, keep everything queued
    if ([401, 403, 404].includes(response.status)) throw new ctx.ReturnerError('returner', why);
    throw new ctx.ReturnerError('transient', why); // 429, 5xx: retried with backoff
  }

  return {
    name: 'webhook',
    capabilities: { jobCache: false, events: false, retention: false },
    returner: (rets) => post({ returns: rets }),
    close: async () => {},
  };
}
