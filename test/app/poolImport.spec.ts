import { PoolImportRejectedError } from '../../src/app/addresses/addressPool';
import { CompactIndex } from '../../src/domain/compactIndex';
import { plusBaseOf } from '../../src/domain/poolCsv';
import type { DocumentStore } from '../../src/ports/documentStore';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { addressUseCases, admin, poolCsv } from '../support/addressFixtures';

/**
 * The pool import (issue 10): streamed and linear, all or nothing, and it refuses what would make two
 * records claim one mail: plus variants of existing aliases (and the other way round) and the central
 * mailbox.
 */
const CENTRAL = 'rootmail@contoso.com';
const PLUS = 'aws@contoso.com';

async function setup() {
  const store = new SqliteDocumentStore(':memory:');
  await store.init();
  return {
    store,
    ...addressUseCases(store, { centralMailbox: CENTRAL, settings: { plusAddress: PLUS } }),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.catch((e) => e);
  expect(err).toBeInstanceOf(PoolImportRejectedError);
  return (err as Error).message;
}

describe('pool import: plus variants and reserved addresses', () => {
  it('refuses a plus variant of an alias already in the pool, and an alias whose plus variant is', async () => {
    const { pool, store } = await setup();
    await pool.importCsv('pool-1@contoso.com,ops@contoso.com\npool-1@contoso.com,dev+x@contoso.com', admin);

    expect(
      await refusal(
        pool.importCsv(
          'pool-2@contoso.com,fresh-1@contoso.com\npool-2@contoso.com,ops+team@contoso.com',
          admin,
        ),
      ),
    ).toMatch(
      /line 2: `ops\+team@contoso.com` is a plus variant of `ops@contoso.com`, which is already in the pool/,
    );
    expect(await refusal(pool.importCsv('pool-2@contoso.com,dev@contoso.com', admin))).toMatch(
      /line 1: `dev@contoso.com` would receive the mail of addresses already given out as its plus variants/,
    );
    expect(await store.get('addresses', 'fresh-1@contoso.com')).toBeUndefined(); // all or nothing
  });

  it('refuses the same within one file, either way round, naming both lines', async () => {
    const { pool } = await setup();
    const message = await refusal(
      pool.importCsv(
        [
          'mailbox,address',
          'pool-1@contoso.com,ops@contoso.com',
          'pool-1@contoso.com,ops+a@contoso.com',
          'pool-2@contoso.com,dev+b@contoso.com',
          'pool-2@contoso.com,dev@contoso.com',
        ].join('\n'),
        admin,
      ),
    );
    expect(message).toMatch(/line 3: `ops\+a@contoso.com` is a plus variant of `ops@contoso.com` on line 2/);
    expect(message).toMatch(/line 5: `dev@contoso.com` would receive the mail of its plus variant on line 4/);
  });

  it('refuses the central mailbox, the plus strategy address and their plus variants as aliases', async () => {
    const { pool } = await setup();
    const message = await refusal(
      pool.importCsv(
        [
          'pool-1@contoso.com,rootmail@contoso.com',
          'pool-1@contoso.com,rootmail+aws@contoso.com',
          'pool-1@contoso.com,AWS@contoso.com',
          'pool-1@contoso.com,aws+free@contoso.com',
        ].join('\n'),
        admin,
      ),
    );
    expect(message).toMatch(
      /line 1: `rootmail@contoso.com` is the central mailbox \(MAILBOX\), never a pool alias/,
    );
    expect(message).toMatch(/line 2: `rootmail\+aws@contoso.com` is a plus variant of the central mailbox/);
    expect(message).toMatch(/line 3: `aws@contoso.com` is the plus strategy address \(PLUS_ADDRESS\)/);
    expect(message).toMatch(/line 4: `aws\+free@contoso.com` is a plus variant of the plus strategy address/);
  });

  it('refuses an alias that is a pool mailbox, and a plus variant of one', async () => {
    const { pool } = await setup();
    await pool.importCsv(poolCsv(1, 2), admin);
    const message = await refusal(
      pool.importCsv('pool-2@contoso.com,pool-1@contoso.com\npool-2@contoso.com,pool-1+x@contoso.com', admin),
    );
    expect(message).toMatch(/line 1: `pool-1@contoso.com` is a pool mailbox, not an alias/);
    expect(message).toMatch(/line 2: `pool-1\+x@contoso.com` is a plus variant of `pool-1@contoso.com`/);
  });

  it('still takes a plus alias whose plain form is nobody, and counts it as present the second time', async () => {
    const { pool } = await setup();
    expect(await pool.importCsv('pool-1@contoso.com,team+a@contoso.com', admin)).toMatchObject({
      imported: 1,
    });
    expect(await pool.importCsv('pool-1@contoso.com,team+a@contoso.com', admin)).toMatchObject({
      imported: 0,
      alreadyPresent: 1,
    });
  });
});

describe('pool import: streamed, linear, all or nothing', () => {
  it('checks the whole stream before writing: a bad last line of 20,000 imports nothing', async () => {
    const { pool, store } = await setup();
    let reads = 0;
    const lines = async function* () {
      reads++;
      for (let i = 1; i <= 20_000; i++) yield `pool-${Math.ceil(i / 300)}@contoso.com,alias-${i}@contoso.com`;
      yield 'pool-99@contoso.com,not an address';
    };
    const message = await refusal(pool.importFile(lines, admin));
    expect(message).toMatch(/line 20001: /);
    expect(reads).toBe(1);
    expect(await store.count('addresses', {})).toBe(0);
    expect(await store.count('mailboxes', {})).toBe(0);
  });

  it('reads the stream twice (check, then write) and writes every alias, in batches', async () => {
    const { pool, store } = await setup();
    let reads = 0;
    const lines = async function* () {
      reads++;
      for (let i = 1; i <= 5_000; i++) yield `pool-${Math.ceil(i / 250)}@contoso.com,alias-${i}@contoso.com`;
    };
    expect(await pool.importFile(lines, admin)).toEqual({
      imported: 5_000,
      alreadyPresent: 0,
      mailboxesCreated: 20,
    });
    expect(reads).toBe(2);
    expect(await store.count('addresses', { state: 'available' })).toBe(5_000);
    expect((await pool.summary()).free).toBe(5_000);
  });

  it('does not count the store per mailbox for new mailboxes (what made a million lines quadratic)', async () => {
    const store = new SqliteDocumentStore(':memory:');
    await store.init();
    const counts: Record<string, unknown>[] = [];
    const counting: DocumentStore = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'count')
          return (container: string, filter: Record<string, unknown>) => {
            counts.push({ container, ...filter });
            return target.count(container as never, filter as never);
          };
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { pool } = addressUseCases(counting);
    await pool.importCsv(poolCsv(40, 20), admin);
    expect(counts.filter((c) => c.container === 'addresses' && 'mailbox' in c)).toEqual([]);

    // A top-up of an existing mailbox counts that mailbox once, to check its capacity.
    counts.length = 0;
    await pool.importCsv('pool-1@contoso.com,extra-1@contoso.com', admin);
    expect(counts.filter((c) => 'mailbox' in c)).toEqual([
      { container: 'addresses', mailbox: 'pool-1@contoso.com' },
    ]);
  });

  it('repairs the allocation buckets on a re-run (a crash between the records and the buckets)', async () => {
    const { pool, store, addresses } = await setup();
    await pool.importCsv(poolCsv(1, 3), admin);
    for (let bucket = 0; bucket < 64; bucket++) await store.delete('addressKeys', `bucket:${bucket}`);
    await pool.importCsv(poolCsv(1, 3), admin);
    const record = await addresses.allocate({ accountName: 'after-repair', owner: { id: 'o' }, by: admin });
    expect(record.address).toMatch(/^aws-1-\d@contoso.com$/);
  });
});

describe('the pieces', () => {
  it('finds the plus base Exchange delivers to', () => {
    expect(plusBaseOf('aws+x@contoso.com')).toBe('aws@contoso.com');
    expect(plusBaseOf('aws+x+y@contoso.com')).toBe('aws@contoso.com');
    expect(plusBaseOf('aws@contoso.com')).toBeUndefined();
    expect(plusBaseOf('+x@contoso.com')).toBeUndefined();
  });

  it('CompactIndex maps strings to numbers exactly, through growth and collisions', () => {
    const index = new CompactIndex();
    const reference = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const key = `a-${(i * 7919) % 100_003}@x.example`;
      index.set(key, i);
      reference.set(key, i);
    }
    index.set('wide-é-ü-ŝ@x.example', 5);
    reference.set('wide-é-ü-ŝ@x.example', 5);
    expect(index.size).toBe(reference.size);
    const wrong = [...reference].filter(([key, value]) => index.get(key) !== value);
    expect(wrong).toEqual([]);
    expect(index.get('a-1@x.example2')).toBeUndefined();
    expect(index.has('')).toBe(false);
    expect(() => index.set('x', -1)).toThrow(RangeError);
  });
});
