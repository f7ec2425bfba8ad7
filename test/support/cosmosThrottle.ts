import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CosmosTestServer } from './cosmosServer';

/** A request the proxy answered 429. */
export interface ThrottledCosmosRequest {
  at: number;
  method: string;
  /** The resource path, e.g. /dbs/rootmail-test/colls/addresses/docs/aws_1%40contoso.com */
  path: string;
  retryAfterMs: number;
}

/**
 * What a request costs in request units, roughly as Cosmos DB charges a 1 KB document: a point read 1, a write
 * 6, a query 3 (plus the documents it returns, added on the way back), metadata nothing.
 */
function chargeOf(req: IncomingMessage): number {
  const path = (req.url ?? '').split('?')[0];
  if (!/\/docs(\/|$)/.test(path)) return 0;
  if (
    req.headers['x-ms-documentdb-isquery'] === 'true' ||
    req.headers['x-ms-documentdb-query-enablecrosspartition']
  )
    return 3;
  if (req.method === 'GET') return 1;
  return 6;
}

/**
 * A small proxy in front of the Cosmos-protocol server that throttles as Cosmos DB does: the account has
 * `ruPerSecond` request units a second (a bucket holding one second's worth); once they are used up, every
 * request is answered 429 with `x-ms-retry-after-ms` (how long until they are back) and not served; every served
 * request's answer carries its charge in `x-ms-request-charge`. `throttleNext` and `throttleAll` force 429s.
 */
export async function startCosmosThrottle(
  target: CosmosTestServer,
  options: { ruPerSecond: number },
): Promise<
  CosmosTestServer & {
    throttled: ThrottledCosmosRequest[];
    served: number;
    /** The next `count` requests for documents are answered 429 with this x-ms-retry-after-ms. */
    throttleNext(count: number, retryAfterMs: number): void;
    /** Every request for documents is answered 429 while on. */
    throttleAll(on: boolean, retryAfterMs?: number): void;
  }
> {
  const upstream = new URL(target.endpoint);
  const agent = new http.Agent({ keepAlive: true });
  let tokens = options.ruPerSecond;
  let last = Date.now();
  let forced = { count: 0, retryAfterMs: 0 };
  let always: { retryAfterMs: number } | undefined;
  const state = { throttled: [] as ThrottledCosmosRequest[], served: 0 };

  const refuse = (req: IncomingMessage, res: ServerResponse, retryAfterMs: number) => {
    state.throttled.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', retryAfterMs });
    req.resume();
    res.writeHead(429, {
      'content-type': 'application/json',
      'x-ms-retry-after-ms': String(retryAfterMs),
      'x-ms-substatus': '3200',
    });
    res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large.' }));
  };

  const server = http.createServer((req, res) => {
    const charge = chargeOf(req);
    if (charge > 0) {
      if (always) return refuse(req, res, always.retryAfterMs);
      if (forced.count > 0) {
        forced.count--;
        return refuse(req, res, forced.retryAfterMs);
      }
      const now = Date.now();
      tokens = Math.min(options.ruPerSecond, tokens + ((now - last) / 1000) * options.ruPerSecond);
      last = now;
      // As Cosmos DB: a request is served while the second's budget is not used up (it may overdraw it);
      // once it is, every request is throttled until the budget has come back, whatever it would cost.
      if (tokens <= 0) return refuse(req, res, Math.ceil((-tokens / options.ruPerSecond) * 1000) + 1);
      tokens -= charge;
    }
    state.served++;
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        const headers = { ...answer.headers, 'x-ms-request-charge': String(charge) };
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: target.key,
    get throttled() {
      return state.throttled;
    },
    get served() {
      return state.served;
    },
    throttleNext: (count, retryAfterMs) => {
      forced = { count, retryAfterMs };
    },
    throttleAll: (on, retryAfterMs = 1000) => {
      always = on ? { retryAfterMs } : undefined;
    },
    stop: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
