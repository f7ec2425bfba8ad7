import { createHttpServer } from '@vercel/cosmosdb-server';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** A real Cosmos DB (NoSQL API) protocol server on loopback, started by the tests themselves. */
export interface CosmosTestServer {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

export async function startCosmosServer(): Promise<CosmosTestServer> {
  useLinearScans();
  const server: Server = createHttpServer({ keepAlive: true } as never);
  withoutQueryPlans(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: COSMOS_TEST_KEY,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** cosmosdb-server accepts any key; this is the well-known emulator key shape. */
export const COSMOS_TEST_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

/**
 * The Cosmos DB SDK asks the gateway for a query plan beside every cross-partition query and uses it only
 * when the query itself is refused. A real gateway plans without reading data; cosmosdb-server runs the
 * plan request as a second full query. Here it is refused at once, as a gateway that has no plan would.
 */
function withoutQueryPlans(server: Server): void {
  const [serve] = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (String(req.headers['x-ms-cosmos-is-query-plan-request']).toLowerCase() !== 'true')
      return serve(req, res);
    req.resume().on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'BadRequest', message: 'The test server does not make query plans.' }));
    });
  });
}

interface QueryModule {
  default: (sql: string) => { code: string };
}

/** The query engine cosmosdb-server itself loads (a dependency of it, not of ours). */
export function cosmosQueryEngine(): QueryModule {
  const serverDir = path.dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@zeit/cosmosdb-query', { paths: [serverDir] })) as QueryModule;
}

const QUADRATIC_APPEND = /\[\.\.\.\$, (\{[^{}]*\})\]/g;

/**
 * cosmosdb-server's query engine (@zeit/cosmosdb-query 0.7.2) compiles `FROM c` into
 * `reduce(($, c) => [...$, { c }], [])`, copying the list for every document: a query over 33,000
 * documents takes minutes (a real Cosmos DB serves it from an index in milliseconds). The same code with
 * `push` is linear and gives the same rows, since the accumulator is a fresh array per query; only the
 * test server changes, never the app. Idempotent; `asShipped()` undoes it (and the sort below).
 */
export function useLinearScans(): void {
  sortWithKeysOnce();
  const prototype = Object.getPrototypeOf(cosmosQueryEngine().default('SELECT * FROM c'));
  if (prototype.__shippedCode) return;
  const shipped = Object.getOwnPropertyDescriptor(prototype, 'code')!;
  Object.defineProperty(prototype, '__shippedCode', { value: shipped, configurable: true });
  Object.defineProperty(prototype, 'code', {
    configurable: true,
    get(this: object) {
      return (shipped.get!.call(this) as string).replace(QUADRATIC_APPEND, '($.push($1), $)');
    },
  });
}

type Sort = (
  rows: unknown[],
  ridOf: (row: unknown) => unknown,
  indexes: unknown,
  ...orders: [string[], boolean][]
) => unknown[];

/**
 * Its sort walks each row's sort path and `_rid` again in every comparison, allocating as it goes (n log n
 * walks over every matching row, before TOP): the same order, with each row's value and `_rid` read once
 * and compared as the engine compares (undefined < null < boolean < number < string < array < object).
 * One ORDER BY field or none (ours); anything else is left to the sort as shipped.
 */
function sortWithKeysOnce(): void {
  const helpers = cosmosQueryEngineHelpers();
  if (helpers.__shippedSort) return;
  const shipped = helpers.sort;
  helpers.__shippedSort = shipped;
  helpers.sort = (rows, ridOf, indexes, ...orders) => {
    if (orders.length > 1) return shipped(rows, ridOf, indexes, ...orders);
    const [keys, descending] = orders[0] ?? [[], false];
    const keyed = rows.map((row) => ({ row, rid: ridOf(row), key: orders.length ? valueAt(row, keys) : 0 }));
    keyed.sort(
      (a, b) => (descending ? -1 : 1) * compareAsEngine(a.key, b.key) || compareAsEngine(a.rid, b.rid),
    );
    return (orders.length ? keyed.filter((k) => k.key !== undefined) : keyed).map((k) => k.row);
  };
}

const TYPE_ORDER = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'];
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
function compareAsEngine(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const [ta, tb] = [typeOf(a), typeOf(b)];
  if (ta === tb) return ta === 'object' ? 0 : (a as string) < (b as string) ? -1 : 1;
  return TYPE_ORDER.indexOf(ta) - TYPE_ORDER.indexOf(tb) < 0 ? -1 : 1;
}
function valueAt(row: unknown, keys: string[]): unknown {
  let value = row;
  for (const key of keys) {
    value = typeof value === 'object' && value ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

function cosmosQueryEngineHelpers(): { sort: Sort; __shippedSort?: Sort } {
  const serverDir = path.dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
  const engineDir = path.dirname(
    require.resolve('@zeit/cosmosdb-query/package.json', { paths: [serverDir] }),
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(engineDir, 'lib', 'helpers.js'));
}

export function asShipped(): void {
  const helpers = cosmosQueryEngineHelpers();
  if (helpers.__shippedSort) {
    helpers.sort = helpers.__shippedSort;
    delete helpers.__shippedSort;
  }
  const prototype = Object.getPrototypeOf(cosmosQueryEngine().default('SELECT * FROM c'));
  if (!prototype.__shippedCode) return;
  Object.defineProperty(prototype, 'code', prototype.__shippedCode);
  delete prototype.__shippedCode;
}
