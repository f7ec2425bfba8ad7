import type { AddressRecord, MailboxRecord, Owner } from '../../src/domain/addressRecords';
import { poolBucketOf } from '../../src/domain/addressRules';
import type { DocumentStore } from '../../src/ports/documentStore';

/**
 * A registry the size of a large organisation's, written straight into the store (an import of 33,000
 * lines would check each one and take minutes): 110 shared mailboxes of 300 aliases, about two thirds
 * assigned to 400 owners with account names and linked AWS account ids, some in quarantine.
 */
const FIRST = [
  'Ana',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Femi',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kofi',
  'Lea',
  'Mo',
  'Nia',
  'Omar',
  'Pia',
  'Quin',
  'Rosa',
  'Sam',
  'Tara',
];
const LAST = ['Lima', 'Ng', 'Okafor', 'Patel', 'Quist', 'Rossi', 'Silva', 'Tanaka', 'Ueda', 'Vogel'];
const TEAMS = [
  'payments',
  'ledger',
  'search',
  'identity',
  'billing',
  'mobile',
  'data',
  'ml',
  'web',
  'infra',
  'platform',
  'security',
];
const ENVS = ['prod', 'dev', 'test', 'sandbox', 'staging'];
export const PER_MAILBOX = 300;

export function seededOwner(n: number): Owner {
  const first = FIRST[n % FIRST.length];
  const last = LAST[(n * 7 + Math.floor(n / FIRST.length)) % LAST.length];
  return {
    id: `0000aaaa-0000-0000-0000-${String(n).padStart(12, '0')}`,
    upn: `${first}.${last}${n}@contoso.com`.toLowerCase(),
    name: `${first} ${last}`,
  };
}

export function seededRecord(i: number, at: string): AddressRecord {
  const address = `aws-${i.toString(36).padStart(4, '0')}@contoso.com`;
  const mailbox = `aws-pool-${String(Math.floor(i / PER_MAILBOX) + 1).padStart(3, '0')}@contoso.com`;
  const base = {
    address,
    mailbox,
    strategy: 'pool' as const,
    bucket: poolBucketOf(address),
    createdAt: at,
    history: [],
  };
  if (i % 3 === 0) return { ...base, state: 'available' };
  const owner = seededOwner(i % 400);
  return {
    ...base,
    state: i % 29 === 0 ? 'quarantined' : 'assigned',
    accountName: `${TEAMS[Math.floor(i / 3) % TEAMS.length]}-${ENVS[Math.floor(i / 7) % ENVS.length]}-${i}`,
    owner,
    ownerNameKey: owner.name!.toLowerCase(),
    awsAccountId: String(100_000_000_000 + i * 7919),
    assignedAt: at,
  };
}

/** Writes `count` records (and their mailboxes), plus `extra` records as given; answers the count written. */
export async function seedRegistry(
  store: DocumentStore,
  count: number,
  extra: AddressRecord[] = [],
  at = '2026-09-01T08:00:00.000Z',
): Promise<number> {
  const mailboxes = Math.ceil(count / PER_MAILBOX);
  for (let m = 1; m <= mailboxes; m++) {
    const address = `aws-pool-${String(m).padStart(3, '0')}@contoso.com`;
    const record: MailboxRecord = {
      address,
      displayName: address.split('@')[0],
      capacity: PER_MAILBOX,
      createdAt: at,
    };
    await store.create('mailboxes', address, record);
  }
  const records = [...Array.from({ length: count - extra.length }, (_, i) => seededRecord(i, at)), ...extra];
  if (store.kind === 'embedded') {
    // The embedded store writes a batch in one SQLite transaction (4 s for 33,000 instead of 30 s with a
    // commit each on a busy machine).
    await store.createMany(
      'addresses',
      records.map((r) => ({ id: r.address, doc: r })),
    );
    return records.length;
  }
  let next = 0;
  // A few lanes in parallel, as a Cosmos DB client would write.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < records.length) {
        const record = records[next++];
        await store.create('addresses', record.address, record);
      }
    }),
  );
  return records.length;
}
