import type { MailboxRecord, Owner } from '../../domain/addressRecords';
import { dayOf, PoolLevelsDay } from '../../domain/poolForecast';
import { person } from '../../domain/permissions';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
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

/** Days of pool levels a first local run starts with, so the tab's Pool chart has a history to show. */
export const DEMO_HISTORY_DAYS = 60;

export interface DemoPoolDeps {
  store: DocumentStore;
  clock: Clock;
  pool: AddressPool;
  addresses: AddressRegistry;
  /** Where the daily pool levels are kept (the status board). */
  levels: { keepPastLevels(days: readonly PoolLevelsDay[]): Promise<number> };
}

/**
 * The demo mailbox's last DEMO_HISTORY_DAYS days, ending yesterday where today's seeded pool starts: two
 * aliases of accounts closed before the window come back from quarantine half-way, and the demo account
 * has held its alias throughout.
 */
export function demoPoolHistory(today: Date): PoolLevelsDay[] {
  const capacity = DEMO_ALIASES.length;
  return Array.from({ length: DEMO_HISTORY_DAYS }, (_, i) => {
    const daysAgo = DEMO_HISTORY_DAYS - i;
    const at = new Date(today.getTime() - daysAgo * 86_400_000);
    const quarantined = daysAgo > DEMO_HISTORY_DAYS / 2 ? 2 : 0;
    const levels = { free: capacity - 1 - quarantined, assigned: 1, quarantined, capacity };
    return {
      date: dayOf(at),
      at: at.toISOString(),
      ...levels,
      mailboxes: [{ mailbox: DEMO_MAILBOX, ...levels }],
    };
  });
}

/**
 * Seeds the demo pool when the pool part of the store is empty (no mailbox, no address); answers whether it
 * did. Called by a local run only (createApp decides); a second start finds the store not empty.
 */
export async function seedDemoPool(deps: DemoPoolDeps, owner: Owner | undefined): Promise<boolean> {
  const { store, clock, pool, addresses } = deps;
  const empty = (await store.count('mailboxes', {})) === 0 && (await store.count('addresses', {})) === 0;
  if (!empty) return false;
  const csv = ['mailbox,address', ...DEMO_ALIASES.map((a) => `${DEMO_MAILBOX},${a}`)].join('\n');
  await pool.importCsv(csv, SEEDER);
  // The demo mailbox holds its dozen aliases and no more: its capacity is its own, not a real mailbox's 300.
  const mailbox = await store.get<MailboxRecord>('mailboxes', DEMO_MAILBOX);
  if (mailbox) {
    const { _etag, id, ...fields } = mailbox;
    void _etag;
    void id;
    await writeIfUnchanged(store, 'mailboxes', DEMO_MAILBOX, mailbox, {
      ...fields,
      capacity: DEMO_ALIASES.length,
    });
  }
  await deps.levels.keepPastLevels(demoPoolHistory(clock.now()));
  if (!owner) return true;

  // The demo account: allocated as an approved request would be (its account key, the assigned index, the
  // audit), the alias the sample mail is addressed to; then linked to its AWS account id.
  const { address, accountName, awsAccountId, purpose } = DEMO_ASSIGNED;
  await addresses.allocate({ accountName, owner, purpose, by: SEEDER, alias: address });
  await addresses.linkAwsAccount(address, awsAccountId, SEEDER);
  return true;
}
