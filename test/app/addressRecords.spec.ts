import { person } from '../../src/domain/permissions';
import {
  AddressConflictError,
  InvalidAddressInputError,
  NotAllowedError,
  PoolExhaustedError,
  UnknownAddressError,
} from '../../src/domain/addressErrors';
import { PoolImportRejectedError } from '../../src/app/addresses/addressPool';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { addressUseCases, admin, poolCsv } from '../support/addressFixtures';

const alice = { id: 'alice-id', upn: 'alice@contoso.com', name: 'Alice' };
const bob = { id: 'bob-id', upn: 'bob@contoso.com', name: 'Bob' };
const asAlice = person(alice.id, alice.name);

async function setup(settings = {}) {
  const store = new SqliteDocumentStore(':memory:');
  await store.init();
  return { store, ...addressUseCases(store, { settings }) };
}

describe('pool import', () => {
  it('is idempotent: the same file twice imports once', async () => {
    const { pool } = await setup();
    expect(await pool.importCsv(poolCsv(2, 3), admin)).toEqual({
      imported: 6,
      alreadyPresent: 0,
      mailboxesCreated: 2,
    });
    expect(await pool.importCsv(poolCsv(2, 3), admin)).toEqual({
      imported: 0,
      alreadyPresent: 6,
      mailboxesCreated: 0,
    });
    const status = await pool.status();
    expect(status.mailboxes.map((m) => [m.mailbox, m.free, m.capacity])).toEqual([
      ['pool-1@contoso.com', 3, 300],
      ['pool-2@contoso.com', 3, 300],
    ]);
  });

  it('imports nothing of a file with a bad line, and names the line', async () => {
    const { pool, store } = await setup();
    const csv = `${poolCsv(1, 3)}\npool-1@contoso.com,not an address`;
    const err = await pool.importCsv(csv, admin).catch((e) => e);
    expect(err).toBeInstanceOf(PoolImportRejectedError);
    expect(err.message).toMatch(/Nothing was imported.*line 5: /s);
    expect(await store.count('addresses', {})).toBe(0);
    expect(await store.count('mailboxes', {})).toBe(0);
  });

  it('refuses an alias that is already in another mailbox', async () => {
    const { pool } = await setup();
    await pool.importCsv('pool-1@contoso.com,aws-x1@contoso.com', admin);
    await expect(pool.importCsv('pool-2@contoso.com,aws-x1@contoso.com', admin)).rejects.toThrow(
      /line 1: `aws-x1@contoso.com` is already in the pool under pool-1@contoso.com/,
    );
  });

  it('refuses to put more aliases on a mailbox than its capacity, and never above Exchange’s cap', async () => {
    const { pool, store } = await setup();
    await expect(pool.importCsv(poolCsv(1, 332), admin)).rejects.toThrow(
      /line 333: pool-1@contoso.com would carry 332 aliases, above its capacity of 331/,
    );
    expect(await store.count('addresses', {})).toBe(0);
    await pool.importCsv(poolCsv(1, 310), admin); // a plan may ask for more than 300 on a new mailbox
    expect((await pool.status()).mailboxes[0].capacity).toBe(310);
    await expect(pool.importCsv('pool-1@contoso.com,extra-1@contoso.com', admin)).rejects.toThrow(
      /line 1: pool-1@contoso.com would carry 311 aliases, above its capacity of 310/,
    );
  });

  it('tells listeners after every import', async () => {
    const { pool } = await setup();
    const seen: number[] = [];
    pool.onPoolImported(async (r) => void seen.push(r.imported));
    await pool.importCsv(poolCsv(1, 2), admin);
    expect(seen).toEqual([2]);
  });
});

describe('records', () => {
  it('allocates, looks up by address, account id and owner, links, transfers and retires', async () => {
    const { pool, addresses, audit, clock } = await setup({ quarantineDays: 90 });
    await pool.importCsv(poolCsv(1, 2), admin);
    const record = await addresses.allocate({
      accountName: 'Payments-Prod',
      owner: alice,
      by: asAlice,
      requestId: 'req-1',
    });
    expect(record).toMatchObject({
      state: 'assigned',
      accountName: 'payments-prod',
      owner: alice,
      requestId: 'req-1',
    });

    clock.advanceMinutes(1); // audit events are listed by time
    await addresses.linkAwsAccount(record.address.toUpperCase(), '123456789012', asAlice);
    expect((await addresses.byAwsAccountId('123456789012'))?.address).toBe(record.address);
    expect((await addresses.byOwner('ALICE@contoso.com')).map((r) => r.address)).toEqual([record.address]);
    expect((await addresses.byOwner(alice.id)).map((r) => r.address)).toEqual([record.address]);

    await expect(addresses.transfer(record.address, bob, person('eve-id', 'Eve'))).rejects.toBeInstanceOf(
      NotAllowedError,
    );
    clock.advanceMinutes(1);
    await addresses.transfer(record.address, bob, asAlice);
    clock.advanceMinutes(1);
    await expect(addresses.retire(record.address, 'closed', asAlice)).rejects.toThrow(/Only the owner .*Bob/);

    const retired = await addresses.retire(record.address, 'account closed', person(bob.id, bob.name));
    expect(retired.state).toBe('quarantined');
    expect(retired.quarantineUntil).toBe('2026-04-01T09:03:00.000Z');
    await expect(addresses.retire(record.address, undefined, admin)).rejects.toThrow(
      /already retired on 2026-01-01; it stays in quarantine until 2026-04-01/,
    );

    clock.advanceHours(24 * 89);
    expect(await addresses.returnExpiredQuarantine()).toBe(0);
    clock.advanceHours(24);
    expect(await addresses.returnExpiredQuarantine()).toBe(1);
    const back = await addresses.get(record.address);
    expect(back).toMatchObject({ state: 'available' });
    expect(back?.owner).toBeUndefined();
    expect(await addresses.byAwsAccountId('123456789012')).toBeUndefined();

    const actions = (await audit.about(record.address)).map((e) => e.action);
    expect(actions).toEqual([
      'address.allocated',
      'address.linked',
      'address.transferred',
      'address.retired',
      'address.returned-to-pool',
    ]);
    expect((await audit.about('req-1')).map((e) => e.action)).toEqual(['address.allocated']);
  });

  it('keeps one AWS account id on one address and changes nothing when refused', async () => {
    const { pool, addresses, store } = await setup();
    await pool.importCsv(poolCsv(1, 2), admin);
    const first = await addresses.allocate({ accountName: 'one', owner: alice, by: asAlice });
    const second = await addresses.allocate({ accountName: 'two', owner: alice, by: asAlice });
    await addresses.linkAwsAccount(first.address, '111111111111', asAlice);
    await expect(addresses.linkAwsAccount(second.address, '111111111111', asAlice)).rejects.toThrow(
      new RegExp(`AWS account 111111111111 is already linked to \`${first.address}\``),
    );
    expect((await addresses.get(second.address))?.awsAccountId).toBeUndefined();
    await expect(addresses.linkAwsAccount(second.address, '12345', asAlice)).rejects.toBeInstanceOf(
      InvalidAddressInputError,
    );
    await expect(
      addresses.linkAwsAccount('nobody@contoso.com', '222222222222', asAlice),
    ).rejects.toBeInstanceOf(UnknownAddressError);
    expect(await store.get('addressKeys', 'aws:222222222222')).toBeUndefined();

    // relinking moves the key: the old id is free again
    await addresses.linkAwsAccount(first.address, '333333333333', asAlice);
    await addresses.linkAwsAccount(second.address, '111111111111', asAlice);
    expect((await addresses.byAwsAccountId('111111111111'))?.address).toBe(second.address);
  });

  it('answers pool exhausted when no alias is free', async () => {
    const { addresses } = await setup();
    await expect(
      addresses.allocate({ accountName: 'one', owner: alice, by: asAlice }),
    ).rejects.toBeInstanceOf(PoolExhaustedError);
  });

  it('plus strategy: derives the address, never reuses it, retires for good', async () => {
    const { addresses } = await setup({ strategy: 'plus', plusAddress: 'aws@contoso.com' });
    const record = await addresses.allocate({ accountName: 'sandbox-1', owner: alice, by: asAlice });
    expect(record).toMatchObject({
      address: 'aws+sandbox-1@contoso.com',
      strategy: 'plus',
      state: 'assigned',
    });
    await expect(
      addresses.allocate({ accountName: 'Sandbox-1', owner: bob, by: asAlice }),
    ).rejects.toBeInstanceOf(AddressConflictError);
    expect((await addresses.retire(record.address, undefined, asAlice)).state).toBe('retired');
    await expect(
      addresses.allocate({ accountName: 'prod payments', owner: bob, by: asAlice }),
    ).rejects.toThrow(/`prod payments` is not a valid account name/);
  });
});

describe('search', () => {
  it('finds records by account name, owner name (any case), UPN, address and account id prefixes', async () => {
    const { pool, addresses } = await setup();
    await pool.importCsv(poolCsv(1, 6), admin);
    const carol = { id: 'carol-id', upn: 'carol@contoso.com', name: 'Carol Jones' };
    const pay = await addresses.allocate({ accountName: 'payments-prod', owner: alice, by: asAlice });
    await addresses.allocate({ accountName: 'payroll', owner: bob, by: asAlice });
    await addresses.allocate({ accountName: 'ledger', owner: carol, by: asAlice });
    await addresses.linkAwsAccount(pay.address, '123456789012', asAlice);

    const names = async (text: string, options = {}) =>
      (await addresses.search(text, options)).map((r) => r.accountName).sort();
    expect(await names('pay')).toEqual(['payments-prod', 'payroll']);
    expect(await names('PAYM')).toEqual(['payments-prod']);
    expect(await names('carol')).toEqual(['ledger']); // display name, any case
    expect(await names('bob@')).toEqual(['payroll']); // UPN
    expect(await names('1234')).toEqual(['payments-prod']); // account id prefix
    expect(await names(pay.address.slice(0, 8))).toContain('payments-prod');
    expect(await names('pay', { state: 'retired' })).toEqual([]);
    expect(await names('nothing-like-this')).toEqual([]);
    await expect(addresses.search('  ')).rejects.toBeInstanceOf(InvalidAddressInputError);
  });
});
