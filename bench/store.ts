import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteDocumentStore } from '../src/storage/sqliteDocumentStore';

/**
 * npm run bench:store: the embedded store's throughput on the operations the app makes — point creates,
 * point reads, read + replace-with-etag cycles (every claim and state change), indexed queries, counts and a
 * pool-import batch — on a file in a temporary directory (WAL, as a local run uses it). Prints operations per
 * second for each, the best of three rounds, with the Node.js version that ran it.
 */
const DOCS = Number(process.env.BENCH_STORE_DOCS ?? 5_000);
const ROUNDS = 3;

interface Doc {
  address: string;
  state: string;
  mailbox: string;
  owner: { id: string };
  n: number;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootmail-store-bench-'));
  const best = new Map<string, number>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const store = SqliteDocumentStore.inDirectory(path.join(dir, `round-${round}`));
      await store.init();
      const doc = (i: number): Doc => ({
        address: `aws-${i}@contoso.com`,
        state: i % 3 === 0 ? 'assigned' : 'available',
        mailbox: `pool-${i % 10}@contoso.com`,
        owner: { id: `owner-${i % 50}` },
        n: 0,
      });
      const rate = async (name: string, ops: number, work: () => Promise<void>) => {
        const started = performance.now();
        await work();
        const perSecond = ops / ((performance.now() - started) / 1000);
        best.set(name, Math.max(best.get(name) ?? 0, perSecond));
      };
      await rate('create', DOCS, async () => {
        for (let i = 0; i < DOCS; i++) await store.create('addresses', `aws-${i}@contoso.com`, doc(i));
      });
      await rate('get', DOCS, async () => {
        for (let i = 0; i < DOCS; i++) await store.get('addresses', `aws-${i}@contoso.com`);
      });
      await rate('get + replace (etag)', DOCS, async () => {
        for (let i = 0; i < DOCS; i++) {
          const current = (await store.get<Doc>('addresses', `aws-${i}@contoso.com`))!;
          await store.replace('addresses', current.id, { ...current, n: current.n + 1 }, current._etag);
        }
      });
      const queries = 500;
      await rate('query (indexed, 20 rows)', queries, async () => {
        for (let i = 0; i < queries; i++)
          await store.query('addresses', { 'owner.id': `owner-${i % 50}` }, { limit: 20 });
      });
      await rate('count (indexed)', queries, async () => {
        for (let i = 0; i < queries; i++) await store.count('addresses', { state: 'assigned' });
      });
      const batch = Array.from({ length: DOCS }, (_, i) => ({ id: `b-${i}@contoso.com`, doc: doc(i) }));
      await rate('createMany (one batch)', DOCS, async () => {
        await store.createMany('addresses', batch);
      });
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`embedded store on Node ${process.version}, ${DOCS} documents, best of ${ROUNDS} rounds:`);
  for (const [name, perSecond] of best)
    console.log(`  ${name.padEnd(26)} ${Math.round(perSecond).toLocaleString('en-US').padStart(9)} ops/s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
