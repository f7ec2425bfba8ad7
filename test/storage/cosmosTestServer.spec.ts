import { asShipped, cosmosQueryEngine, useLinearScans } from '../support/cosmosServer';

/**
 * The Cosmos-protocol test server answers queries with a linear scan (test/support/cosmosServer.ts
 * rewrites its quadratic list building): the same rows as the engine as shipped, in the same order.
 */
const engine = cosmosQueryEngine().default as unknown as (sql: string) => {
  code: string;
  exec(docs: unknown[], options: { parameters?: { name: string; value: unknown }[] }): { result: unknown[] };
};

const docs = Array.from({ length: 3000 }, (_, i) => ({
  id: `a${i}`,
  _rid: `r${String(i).padStart(6, '0')}`,
  address: `aws-${i.toString(36)}@contoso.com`,
  state: ['available', 'assigned', 'quarantined'][i % 3],
  accountName: i % 3 === 1 ? `payments-${i}` : undefined,
  owner: i % 3 === 1 ? { upn: `user${i % 40}@contoso.com` } : undefined,
}));

const queries: [string, { name: string; value: unknown }[]][] = [
  ['SELECT * FROM c', []],
  ['SELECT VALUE COUNT(1) FROM c WHERE c["state"] = @p0', [{ name: '@p0', value: 'assigned' }]],
  [
    'SELECT TOP 26 * FROM c WHERE c["state"] = @p0 AND STARTSWITH(c["accountName"], @p1) ORDER BY c["accountName"] ASC',
    [
      { name: '@p0', value: 'assigned' },
      { name: '@p1', value: 'payments-1' },
    ],
  ],
  [
    'SELECT c._rid, [{"item": c["owner"]["upn"]}] AS orderByItems, c AS payload FROM c WHERE STARTSWITH(c["owner"]["upn"], @p0) ORDER BY c["owner"]["upn"] ASC',
    [{ name: '@p0', value: 'user1' }],
  ],
];

describe('the Cosmos-protocol test server', () => {
  afterAll(() => useLinearScans());

  it('answers every query exactly as the engine as shipped does', () => {
    asShipped();
    const shipped = queries.map(([sql, parameters]) => engine(sql).exec(docs, { parameters }).result);
    expect(engine('SELECT * FROM c').code).toContain('[...$');
    useLinearScans();
    expect(engine('SELECT * FROM c').code).not.toContain('[...$');
    const linear = queries.map(([sql, parameters]) => engine(sql).exec(docs, { parameters }).result);
    expect(linear).toEqual(shipped);
    expect(linear[0]).toHaveLength(3000);
  });

  it('scans 33,000 documents in well under a second (as shipped: minutes)', () => {
    useLinearScans();
    const many = Array.from({ length: 33 }, (_, copy) =>
      docs.slice(0, 1000).map((d) => ({ ...d, id: `${d.id}-${copy}` })),
    ).flat();
    const started = Date.now();
    const { result } = engine(queries[2][0]).exec(many, { parameters: queries[2][1] });
    expect(result.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
