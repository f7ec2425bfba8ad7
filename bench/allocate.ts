import { performance } from 'node:perf_hooks';
import { CosmosDocumentStore } from '../src/storage/cosmosDocumentStore';
import { PoolExhaustedError } from '../src/domain/addressErrors';
import { poolBucketOf } from '../src/domain/addressRules';
import type { DocumentStore } from '../src/ports/documentStore';
import { addressUseCases, admin, poolCsv } from '../test/support/addressFixtures';
import { callsPer, counting } from './countingStore';
import { startCosmosServerProcess } from './cosmosProcess';

/**
 * npm run bench:allocate: 1,000 concurrent allocations against a real Cosmos-protocol server, with the store
 * calls one allocation makes, beside the raw rate of the same server in the same run (1,000 concurrent point
 * reads each followed by a replace with its etag, the least an allocation can cost); then lookup time at 1,000
 * and at 33,000 addresses. Goals: 1,000 distinct, 0 errors, ≤ 5 s, ≥ 0.5× the raw rate; lookup ratio ≤ 1.5.
 */
const CONCURRENT = Number(process.env.BENCH_ALLOCATIONS ?? 1000);
const LOOKUPS = 500;

async function main() {
  const cosmos = await startCosmosServerProcess();
  const real = new CosmosDocumentStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'bench' });
  const { store, calls } = counting(real);
  try {
    await store.init();
    const { addresses, pool } = addressUseCases(store);

    let started = performance.now();
    await pool.importCsv(poolCsv(4, 300), admin); // 1,200 aliases, 4 mailboxes at the usual 300
    console.log(`import 1,200 aliases: ${ms(started)}`);
    await addresses.keyAccounts(); // as every instance does at start

    const raw = await rawCycles(real, CONCURRENT);
    calls.clear();
    started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENT }, (_, i) =>
        addresses.allocate({ accountName: `bench-${i}`, owner: { id: `owner-${i % 50}` }, by: admin }),
      ),
    );
    const elapsed = performance.now() - started;
    const { total: storeCalls, detail } = callsPer(calls, CONCURRENT);
    const given = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.address] : []));
    const errors = results.filter((r) => r.status === 'rejected');
    const exhausted = errors.filter((r) => (r as PromiseRejectedResult).reason instanceof PoolExhaustedError);
    console.log(
      `allocations: ${CONCURRENT} concurrent → ${new Set(given).size} distinct, ${errors.length} errors ` +
        `(${exhausted.length} pool exhausted), ${(elapsed / 1000).toFixed(2)} s ` +
        `(goals: ${CONCURRENT} distinct, 0 errors, ≤ 5 s)`,
    );
    if (errors.length) console.log(`first error: ${(errors[0] as PromiseRejectedResult).reason}`);
    const rate = CONCURRENT / (elapsed / 1000);
    console.log(
      `  ${rate.toFixed(0)} allocations/s; store calls ${(storeCalls / CONCURRENT).toFixed(2)} per allocation (${detail})`,
    );
    console.log(
      `  raw get + replace-with-etag on the same server: ${raw.toFixed(0)} cycles/s; allocations ${(rate / raw).toFixed(2)}× ` +
        `the raw rate (goal ≥ 0.5: ${rate / raw >= 0.5 ? 'met' : 'NOT met'})`,
    );

    // Link account ids on a sample so lookups by account id have something to find.
    const sample = given.slice(0, 100);
    for (const [i, address] of sample.entries())
      await addresses.linkAwsAccount(address, String(100000000000 + i), admin);

    const small = await timeLookups(addresses, sample);
    const total = await store.count('addresses', {});
    started = performance.now();
    // Grow with plain creates in parallel lanes (the import's per-line checks would dominate the run).
    const extra = Array.from({ length: 33_000 - total }, (_, i) => `grown-${i}@contoso.com`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < extra.length) {
          const address = extra[next++];
          await store.create('addresses', address, {
            address,
            mailbox: `grown-pool-${Math.floor(next / 300)}@contoso.com`,
            strategy: 'pool',
            state: 'available',
            bucket: poolBucketOf(address),
            history: [],
          });
        }
      }),
    );
    const grown = total + extra.length; // a COUNT over 33,000 documents times out on cosmosdb-server
    console.log(`grew the store to ${grown} addresses in ${ms(started)}`);
    const large = await timeLookups(addresses, sample);

    console.log(`lookups at ${total} addresses: ${fmt(small)}`);
    console.log(`lookups at ${grown} addresses: ${fmt(large)}`);
    console.log(
      `ratio ${grown}/${total}: by address ${(large.byAddress / small.byAddress).toFixed(2)}, ` +
        `by account id ${(large.byAccountId / small.byAccountId).toFixed(2)} (goal ≤ 1.5)`,
    );
  } finally {
    await real.close();
    await cosmos.stop();
  }
}

/**
 * `count` concurrent cycles of a point read and a replace with its etag, each on its own document (in
 * `pacing`, a container allocation does not touch): cycles per second, after a warm-up.
 */
async function rawCycles(store: DocumentStore, count: number): Promise<number> {
  const ids = Array.from({ length: count }, (_, i) => `bench-raw-${i}`);
  await store.createMany(
    'pacing',
    ids.map((id) => ({ id, doc: { n: 0 } })),
  );
  const cycle = async (id: string) => {
    const doc = await store.get<{ n: number }>('pacing', id);
    await store.replace('pacing', id, { n: doc!.n + 1 }, doc!._etag);
  };
  await Promise.all(ids.slice(0, 50).map(cycle));
  const started = performance.now();
  await Promise.all(ids.map(cycle));
  return count / ((performance.now() - started) / 1000);
}

async function timeLookups(addresses: ReturnType<typeof addressUseCases>['addresses'], sample: string[]) {
  // warm up, then time LOOKUPS sequential point reads of each kind
  for (const a of sample.slice(0, 20)) await addresses.get(a);
  let started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) {
    if (!(await addresses.get(sample[i % sample.length]))) throw new Error('lookup by address failed');
  }
  const byAddress = (performance.now() - started) / LOOKUPS;
  started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) {
    const id = String(100000000000 + (i % sample.length));
    if (!(await addresses.byAwsAccountId(id))) throw new Error('lookup by account id failed');
  }
  const byAccountId = (performance.now() - started) / LOOKUPS;
  return { byAddress, byAccountId };
}

const ms = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;
const fmt = (t: { byAddress: number; byAccountId: number }) =>
  `by address ${t.byAddress.toFixed(3)} ms, by account id ${t.byAccountId.toFixed(3)} ms (mean of ${LOOKUPS})`;

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
