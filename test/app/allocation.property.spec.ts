import fc from 'fast-check';
import { PoolExhaustedError } from '../../src/domain/addressErrors';
import type { AddressRecord } from '../../src/domain/addressRecords';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { CosmosDocumentStore } from '../../src/storage/cosmosDocumentStore';
import { addressUseCases, admin, poolCsv, seededRandom } from '../support/addressFixtures';
import { startCosmosServer } from '../support/cosmosServer';
import { scheduledStore } from '../support/scheduledStore';

const owner = (n: number) => ({ id: `owner-${n}`, upn: `owner${n}@contoso.com` });

describe('allocation never hands out an address twice', () => {
  it('holds over random interleavings of concurrent allocations (embedded store)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        async (s, poolSize, callers, seed) => {
          const real = new SqliteDocumentStore(':memory:');
          await real.init();
          await addressUseCases(real).pool.importCsv(poolCsv(1, poolSize), admin);
          const { addresses } = addressUseCases(scheduledStore(real, s), { random: seededRandom(seed) });

          const outcomes = Array.from({ length: callers }, (_, n) =>
            addresses
              .allocate({ accountName: `acct-${n}`, owner: owner(n), by: admin })
              .then((r) => ({ ok: r.address }))
              .catch((err: unknown) => ({ err })),
          );
          const results = await s.waitFor(Promise.all(outcomes));

          const given = results.flatMap((r) => ('ok' in r ? [r.ok] : []));
          const refused = results.flatMap((r) => ('err' in r ? [r.err] : []));
          expect(new Set(given).size).toBe(given.length);
          expect(given).toHaveLength(Math.min(poolSize, callers));
          expect(refused.every((e) => e instanceof PoolExhaustedError)).toBe(true);
          const stored = await real.query<AddressRecord>('addresses', { state: 'assigned' });
          expect(stored.map((r) => r.address).sort()).toEqual([...given].sort());
          await real.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives 40 concurrent callers 30 distinct addresses and a clear "pool exhausted" to 10 (Cosmos)', async () => {
    const cosmos = await startCosmosServer();
    const store = new CosmosDocumentStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'alloc' });
    try {
      await store.init();
      const { addresses, pool } = addressUseCases(store);
      await pool.importCsv(poolCsv(3, 10), admin);
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, n) =>
          addresses.allocate({ accountName: `acct-${n}`, owner: owner(n), by: admin }),
        ),
      );
      const given = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.address] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(new Set(given).size).toBe(30);
      expect(refused).toHaveLength(10);
      expect(refused[0]).toBeInstanceOf(PoolExhaustedError);
      expect(refused[0].message).toMatch(/pool is exhausted/);
      expect(await store.count('addresses', { state: 'available' })).toBe(0);
    } finally {
      await store.close();
      await cosmos.stop();
    }
  });
});
