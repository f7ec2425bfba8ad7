import type { AddressRecord } from '../../src/domain/addressRecords';
import { poolBucketOf } from '../../src/domain/addressRules';
import type { DocumentStore } from '../../src/ports/documentStore';
import { addressUseCases } from '../support/addressFixtures';
import { bothStores } from '../support/bothStores';

/**
 * AddressRegistry.find on both stores: every match exactly once across pages, ordered by what matched,
 * filters by state and mailbox, and the whole registry in address order when no text is given.
 */
const owners = [
  { id: 'o-1', upn: 'ana.lima@contoso.com', name: 'Ana Lima' },
  { id: 'o-2', upn: 'ben.ng@contoso.com', name: 'Ben Ng' },
  { id: 'o-3', upn: 'pat.ode@contoso.com', name: 'Pat Ode' },
];

function record(i: number): AddressRecord {
  const address = `aws-${String(i).padStart(3, '0')}@contoso.com`;
  const assigned = i % 5 !== 0;
  const owner = owners[i % owners.length];
  return {
    address,
    mailbox: `pool-${i % 2}@contoso.com`,
    strategy: 'pool',
    state: assigned ? 'assigned' : 'available',
    bucket: poolBucketOf(address),
    history: [],
    ...(assigned
      ? {
          accountName: `${['pay', 'data', 'ana'][i % 3]}-${i}`,
          owner,
          ownerNameKey: owner.name.toLowerCase(),
          awsAccountId: String(100000000000 + i),
        }
      : {}),
  };
}

const stores = bothStores('pages');

describe.each(stores)('registry pages (%s store)', (_kind, make) => {
  let store: DocumentStore;
  let dispose: () => Promise<void>;
  let addresses: ReturnType<typeof addressUseCases>['addresses'];
  const all = Array.from({ length: 120 }, (_, i) => record(i));

  beforeAll(async () => {
    ({ store, dispose } = await make());
    await store.init();
    for (const r of all) await store.create('addresses', r.address, r);
    ({ addresses } = addressUseCases(store));
  });
  afterAll(() => dispose());

  async function everyPage(query: Parameters<typeof addresses.find>[0]) {
    const seen: AddressRecord[] = [];
    for (let offset = 0; ; offset += query.limit ?? 25) {
      const page = await addresses.find({ ...query, offset });
      seen.push(...page.records);
      if (!page.more) return seen;
      expect(page.records).toHaveLength(query.limit ?? 25);
    }
  }

  it('without text lists every record in address order, page by page', async () => {
    const seen = await everyPage({ limit: 7 });
    expect(seen.map((r) => r.address)).toEqual(all.map((r) => r.address));
    expect(seen[0]).not.toHaveProperty('_etag');
  });

  it('finds "ana" by account name and by owner name and UPN, each record once, ordered by what matched', async () => {
    const seen = await everyPage({ text: 'ANA', limit: 10 });
    const expected = all.filter(
      (r) => r.accountName?.startsWith('ana') || r.owner?.name?.toLowerCase().startsWith('ana'),
    );
    expect(seen.map((r) => r.address).sort()).toEqual(expected.map((r) => r.address).sort());
    expect(new Set(seen.map((r) => r.address)).size).toBe(seen.length);
    // Ordered by the matched value; a record matching twice sits at its smaller one ("ana lima" < "ana-3").
    const keys = seen.map((r) =>
      r.owner?.name?.toLowerCase().startsWith('ana') ? 'ana lima' : r.accountName!,
    );
    expect(keys).toEqual([...keys].sort());
  });

  it('filters by state and mailbox, and finds by account id and address prefixes', async () => {
    expect(await everyPage({ state: 'available', limit: 100 })).toHaveLength(24);
    const inPool1 = await everyPage({ text: 'pay', mailbox: 'POOL-1@contoso.com', limit: 5 });
    expect(inPool1.length).toBeGreaterThan(0);
    expect(inPool1.every((r) => r.mailbox === 'pool-1@contoso.com' && r.accountName?.startsWith('pay'))).toBe(
      true,
    );
    expect((await addresses.find({ text: '100000000042' })).records.map((r) => r.address)).toEqual([
      'aws-042@contoso.com',
    ]);
    expect((await everyPage({ text: 'aws-01', limit: 4 })).map((r) => r.address)).toEqual(
      all.slice(10, 20).map((r) => r.address),
    );
  });
});
