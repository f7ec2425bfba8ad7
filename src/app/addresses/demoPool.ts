import { claimFromPool, normalizeOwner } from '../../domain/addressChanges';
import type { AddressRecord, Owner } from '../../domain/addressRecords';
import { person } from '../../domain/permissions';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import type { AuditLog } from '../auditLog';
import { writeIfUnchanged } from '../documentChanges';
import type { AddressPool } from './addressPool';
import type { AddressRegistry } from './addressRegistry';

/**
 * A first local run has something to hand out: one shared mailbox with a dozen aliases on example.net, one of
 * them already the root address of a demo account owned by the local admin, so that the sample mail in
 * docs/samples lands on a routed card. example.net is reserved for documentation (RFC 2606) and publishes a
 * null MX (RFC 7505): no AWS mail sent to a demo alias can reach anyone's inbox, even if someone created a real
 * AWS account with one. It is example.net rather than the Playground people's example.com so that a demo alias
 * is never mistaken for a person's address (and `whois` prefixes of the two never meet).
 */
export const DEMO_DOMAIN = 'example.net';
export const DEMO_MAILBOX = `rootmail-demo@${DEMO_DOMAIN}`;
export const DEMO_ALIASES = Array.from(
  { length: 12 },
  (_, i) => `aws-demo-${String(i + 1).padStart(2, '0')}@${DEMO_DOMAIN}`,
);
/** The alias the sample mail (docs/samples/verification-code.eml) is addressed to. */
export const DEMO_ASSIGNED = {
  address: DEMO_ALIASES[0],
  accountName: 'demo-sandbox',
  // The account id AWS's own documentation uses in examples.
  awsAccountId: '111122223333',
  purpose: 'Demo account of a local run (seeded on first start)',
};

const SEEDER = person('system', 'RootMail (local demo)', true);

export interface DemoPoolDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
  pool: AddressPool;
  addresses: AddressRegistry;
}

/**
 * Seeds the demo pool when the pool part of the store is empty (no mailbox, no address); answers whether it
 * did. Called by a local run only (createApp decides); a second start finds the store not empty.
 */
export async function seedDemoPool(deps: DemoPoolDeps, owner: Owner | undefined): Promise<boolean> {
  const { store, clock, audit, pool, addresses } = deps;
  const empty = (await store.count('mailboxes', {})) === 0 && (await store.count('addresses', {})) === 0;
  if (!empty) return false;
  const csv = ['mailbox,address', ...DEMO_ALIASES.map((a) => `${DEMO_MAILBOX},${a}`)].join('\n');
  await pool.importCsv(csv, SEEDER);
  if (!owner) return true;

  // The demo account: claimed like an approved request would, then linked to its AWS account id.
  const { address, accountName, awsAccountId, purpose } = DEMO_ASSIGNED;
  const current = await store.get<AddressRecord>('addresses', address);
  const { _etag, id, ...record } = current!;
  void _etag;
  void id;
  const assigned = claimFromPool(
    record,
    { accountName, owner: normalizeOwner(owner), purpose },
    SEEDER,
    clock.now().toISOString(),
  );
  if (!assigned || !(await writeIfUnchanged(store, 'addresses', address, current, assigned))) return true;
  await audit.record({
    subject: address,
    action: 'address.allocated',
    actorId: SEEDER.id,
    actorName: SEEDER.name,
    detail: 'demo account of a local run',
  });
  await addresses.linkAwsAccount(address, awsAccountId, SEEDER);
  return true;
}
