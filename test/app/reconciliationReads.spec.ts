import { shardOf } from '../../src/app/addresses/assignedIndex';
import type { AddressRecord } from '../../src/domain/addressRecords';
import type { DocumentStore } from '../../src/ports/documentStore';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { addressUseCases, admin, poolCsv } from '../support/addressFixtures';

/** The store with its point reads of `addresses` counted. */
function countingReads(real: DocumentStore): { store: DocumentStore; reads: () => number } {
  let reads = 0;
  const store = Object.create(real) as DocumentStore;
  store.get = (container, id) => {
    if (container === 'addresses') reads++;
    return real.get(container, id);
  };
  return { store, reads: () => reads };
}

/** What reconciliation reads of the registry, and how the assigned index keeps that cheap and true. */
describe('AddressRegistry.recordsForReconciliation', () => {
  async function setup() {
    const real = new SqliteDocumentStore(':memory:');
    await real.init();
    const { store, reads } = countingReads(real);
    const cases = addressUseCases(store);
    await cases.pool.importCsv(poolCsv(1, 6), admin);
    return { real, reads, ...cases };
  }
  const allocate = (cases: Awaited<ReturnType<typeof setup>>, name: string) =>
    cases.addresses.allocate({ accountName: name, owner: { id: 'alice-id', name: 'Alice' }, by: admin });
  /** Moves the clock to an hour whose slice of the index is (or is not) checked against the records. */
  const hourChecking = (cases: Awaited<ReturnType<typeof setup>>, address: string, checked: boolean) => {
    const slot = shardOf(address) % 24;
    const hour = checked ? slot : (slot + 1) % 24;
    cases.clock.set(new Date(Date.UTC(2026, 5, 1, hour, 30)));
  };

  it('vouches for an ACTIVE account linked to its own address without reading the record', async () => {
    const cases = await setup();
    const record = await allocate(cases, 'payments-prod');
    await cases.addresses.linkAwsAccount(record.address, '123456789012', admin);
    hourChecking(cases, record.address, false);
    const before = cases.reads();
    const facts = await cases.addresses.recordsForReconciliation([
      { id: '123456789012', email: record.address.toUpperCase(), state: 'ACTIVE' },
    ]);
    expect(cases.reads() - before).toBe(0);
    expect(facts).toEqual([{ address: record.address, state: 'assigned', awsAccountId: '123456789012' }]);

    // A closed account is read in full: its finding names the owner.
    const closed = await cases.addresses.recordsForReconciliation([
      { id: '123456789012', email: record.address, state: 'CLOSED' },
    ]);
    expect(closed[0]).toMatchObject({ owner: { id: 'alice-id' }, assignedAt: expect.any(String) });
  });

  it('reads assigned records no account uses, and forgets retired ones', async () => {
    const cases = await setup();
    const unused = await allocate(cases, 'never-created');
    const retired = await allocate(cases, 'closed-down');
    await cases.addresses.retire(retired.address, 'account closed', admin);
    const facts = await cases.addresses.recordsForReconciliation([]);
    expect(facts.map((f) => [f.address, f.state])).toEqual([[unused.address, 'assigned']]);
  });

  it('repairs an entry a crash left behind, within a day, from the record', async () => {
    const cases = await setup();
    const record = await allocate(cases, 'half-retired');
    await cases.addresses.linkAwsAccount(record.address, '210987654321', admin);
    // A retire whose index update was lost: the record is quarantined, the index still says linked.
    const stored = (await cases.real.get<AddressRecord>('addresses', record.address))!;
    await cases.real.replace('addresses', record.address, { ...stored, state: 'quarantined' }, stored._etag);
    const account = { id: '210987654321', email: record.address, state: 'ACTIVE' };

    hourChecking(cases, record.address, false);
    expect((await cases.addresses.recordsForReconciliation([account]))[0].state).toBe('assigned'); // trusted

    hourChecking(cases, record.address, true);
    expect((await cases.addresses.recordsForReconciliation([account]))[0].state).toBe('quarantined');
    hourChecking(cases, record.address, false);
    expect((await cases.addresses.recordsForReconciliation([account]))[0].state).toBe('quarantined'); // repaired
  });

  it('fills the index from the records once, after an upgrade', async () => {
    const real = new SqliteDocumentStore(':memory:');
    await real.init();
    const old: AddressRecord = {
      address: 'aws-old@contoso.com',
      mailbox: 'pool-1@contoso.com',
      strategy: 'pool',
      state: 'assigned',
      assignedAt: '2025-01-01T00:00:00Z',
      history: [],
    };
    await real.create('addresses', old.address, old);
    const { addresses } = addressUseCases(real);
    expect(await addresses.recordsForReconciliation([])).toEqual([
      { address: old.address, state: 'assigned', assignedAt: old.assignedAt },
    ]);
    expect(await real.get('addressKeys', 'assigned:built')).toMatchObject({ count: 1 });
  });

  it('reads accounts as they are listed, and stops at the first failure', async () => {
    const cases = await setup();
    async function* listed() {
      yield { id: '111111111111', email: 'someone@example.org', state: 'ACTIVE' };
      throw new Error('AWS stopped answering');
    }
    await expect(cases.addresses.recordsForReconciliation(listed())).rejects.toThrow('AWS stopped answering');
  });
});
