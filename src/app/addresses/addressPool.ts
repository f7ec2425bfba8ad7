import { InvalidAddressInputError } from '../../domain/addressErrors';
import type { AddressRecord, MailboxRecord } from '../../domain/addressRecords';
import { capacityForNewMailbox, isPoolLow, poolBucketOf } from '../../domain/addressRules';
import type { Principal } from '../../domain/permissions';
import type { MailboxLevel, PoolImportResult, PoolStatus } from '../../domain/pool';
import { PoolCsvLineProblem, PoolCsvRow, describeLineProblems, parsePoolCsv } from '../../domain/poolCsv';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import type { OnCallAlerts } from '../alerts';
import type { AuditLog } from '../auditLog';
import { writeIfUnchanged } from '../documentChanges';
import type { Leases } from '../leases';
import type { PoolBuckets } from './poolBuckets';

/** Other features resume waiting work here (e.g. requests approved while the pool was empty). */
export type PoolImportedListener = (result: PoolImportResult) => Promise<void>;

/** Thrown when a pool file has bad lines; nothing of the file was imported. */
export class PoolImportRejectedError extends InvalidAddressInputError {
  constructor(readonly lines: PoolCsvLineProblem[]) {
    super(describeLineProblems(lines));
  }
}

export interface AddressPoolDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  alerts: OnCallAlerts;
  leases: Leases;
  strategy: 'pool' | 'plus';
  buckets: PoolBuckets;
  /** The central mailbox the shared mailboxes forward to (MAILBOX), recorded on imported mailboxes. */
  centralMailbox?: string;
}

const LEVEL_CHECK_LEASE = 'pool-level-check';
const LEVEL_CHECK_INTERVAL_MS = 60_000;
export const POOL_LOW_ALERT = 'pool-low';
const WRITE_CONCURRENCY = 16;

/** The alias pool: importing and topping it up, its level per mailbox, and the low-level alert. */
export class AddressPool {
  private readonly importedListeners: PoolImportedListener[] = [];

  constructor(private readonly deps: AddressPoolDeps) {}

  onPoolImported(listener: PoolImportedListener): void {
    this.importedListeners.push(listener);
  }

  /** Idempotent: aliases already in the pool are counted, not changed. A file with any bad line imports nothing. */
  async importCsv(csv: string, actor: Principal): Promise<PoolImportResult> {
    const { rows, problems } = parsePoolCsv(csv);
    if (problems.length) throw new PoolImportRejectedError(problems);
    if (!rows.length)
      throw new InvalidAddressInputError(
        'The file has no aliases: send lines `mailbox,address`, e.g. `aws-pool-01@contoso.com,aws-k3x9q2@contoso.com`.',
      );
    const { fresh, alreadyPresent, newMailboxCapacity } = await this.checkAgainstStore(rows);
    const now = this.deps.clock.now().toISOString();

    let mailboxesCreated = 0;
    for (const [mailbox, capacity] of newMailboxCapacity) {
      const record: MailboxRecord = {
        address: mailbox,
        displayName: mailbox.split('@')[0],
        capacity,
        forwardsTo: this.deps.centralMailbox,
        createdAt: now,
      };
      if (await writeIfUnchanged(this.deps.store, 'mailboxes', mailbox, undefined, record))
        mailboxesCreated++;
    }
    const created: string[] = [];
    let raced = 0;
    await forEachLimited(fresh, WRITE_CONCURRENCY, async (row) => {
      const record: AddressRecord = {
        address: row.address,
        mailbox: row.mailbox,
        strategy: 'pool',
        state: 'available',
        bucket: poolBucketOf(row.address),
        createdAt: now,
        history: [{ at: now, by: actor.id, action: 'imported' }],
      };
      if (await writeIfUnchanged(this.deps.store, 'addresses', row.address, undefined, record))
        created.push(row.address);
      else raced++; // a concurrent import of the same file
    });
    await this.deps.buckets.add(created);
    const result = { imported: created.length, alreadyPresent: alreadyPresent + raced, mailboxesCreated };
    await this.deps.audit.record({
      subject: 'pool',
      action: 'pool.imported',
      actorId: actor.id,
      actorName: actor.name,
      after: result,
    });
    await this.checkLevel().catch((err) => this.deps.logger.error({ err }, 'pool level check failed'));
    for (const listener of this.importedListeners) {
      await listener(result).catch((err) =>
        this.deps.logger.error({ err }, 'a pool-imported listener failed; the import itself is complete'),
      );
    }
    return result;
  }

  /** Aliases already in another mailbox are bad lines; mailboxes must stay within their capacity. */
  private async checkAgainstStore(rows: PoolCsvRow[]) {
    const problems: PoolCsvLineProblem[] = [];
    const fresh: PoolCsvRow[] = [];
    let alreadyPresent = 0;
    await forEachLimited(rows, WRITE_CONCURRENCY, async (row) => {
      if (await this.deps.store.get('mailboxes', row.address)) {
        problems.push({ line: row.line, problem: `\`${row.address}\` is a pool mailbox, not an alias` });
        return;
      }
      const existing = await this.deps.store.get<AddressRecord>('addresses', row.address);
      if (!existing) fresh.push(row);
      else if (existing.mailbox === row.mailbox) alreadyPresent++;
      else
        problems.push({
          line: row.line,
          problem: `\`${row.address}\` is already in the pool under ${existing.mailbox}`,
        });
    });
    const freshPerMailbox = new Map<string, PoolCsvRow[]>();
    for (const row of fresh) {
      const rows = freshPerMailbox.get(row.mailbox);
      if (rows) rows.push(row);
      else freshPerMailbox.set(row.mailbox, [row]);
    }
    const newMailboxCapacity = new Map<string, number>();
    for (const [mailbox, added] of freshPerMailbox) {
      const record = await this.deps.store.get<MailboxRecord>('mailboxes', mailbox);
      const carried = await this.deps.store.count('addresses', { mailbox });
      const capacity = record?.capacity ?? capacityForNewMailbox(carried + added.length);
      if (!record) newMailboxCapacity.set(mailbox, capacity);
      if (carried + added.length > capacity) {
        const firstOver = added.sort((a, b) => a.line - b.line)[capacity - carried] ?? added[0];
        problems.push({
          line: firstOver.line,
          problem: `${mailbox} would carry ${carried + added.length} aliases, above its capacity of ${capacity}; put the rest on another mailbox`,
        });
      }
    }
    if (problems.length) throw new PoolImportRejectedError(problems.sort((a, b) => a.line - b.line));
    return { fresh, alreadyPresent, newMailboxCapacity };
  }

  async status(): Promise<PoolStatus> {
    const mailboxes = await this.deps.store.query<MailboxRecord>('mailboxes', {}, { orderBy: 'address' });
    const levels = await Promise.all(
      mailboxes.map(async (m): Promise<MailboxLevel> => {
        const [free, assigned, quarantined] = await Promise.all(
          (['available', 'assigned', 'quarantined'] as const).map((state) =>
            this.deps.store.count('addresses', { mailbox: m.address, state }),
          ),
        );
        return {
          mailbox: m.address,
          displayName: m.displayName,
          capacity: m.capacity,
          forwardsTo: m.forwardsTo,
          free,
          assigned,
          quarantined,
        };
      }),
    );
    const sum = (pick: (l: MailboxLevel) => number) => levels.reduce((n, l) => n + pick(l), 0);
    const totals = {
      capacity: sum((l) => l.capacity),
      free: sum((l) => l.free),
      assigned: sum((l) => l.assigned),
      quarantined: sum((l) => l.quarantined),
    };
    return {
      strategy: this.deps.strategy,
      mailboxes: levels,
      totals,
      low: isPoolLow(totals.free, totals.free + totals.assigned + totals.quarantined),
    };
  }

  /**
   * After an allocation: a full check at most once a minute across all instances (claimed as a lease), so a
   * burst of allocations does not count the pool on every call.
   */
  async noteAllocation(): Promise<void> {
    if (this.deps.strategy !== 'pool') return;
    if (await this.deps.leases.take(LEVEL_CHECK_LEASE, LEVEL_CHECK_INTERVAL_MS)) await this.checkLevel();
  }

  /** Alerts the on-call channel once per crossing under 10 % free (OnCallAlerts); a top-up clears it. */
  async checkLevel(): Promise<void> {
    if (this.deps.strategy !== 'pool') return;
    const [free, total] = await Promise.all([
      this.deps.store.count('addresses', { strategy: 'pool', state: 'available' }),
      this.deps.store.count('addresses', { strategy: 'pool' }),
    ]);
    if (!isPoolLow(free, total)) {
      await this.deps.alerts.clear(POOL_LOW_ALERT);
      return;
    }
    await this.deps.alerts.raise(
      POOL_LOW_ALERT,
      `The address pool is running low: ${free} of ${total} aliases are free (under 10 %). ` +
        'Add aliases: `npm run pool:plan`, run the script in Exchange Online, then `npm run pool:import`.',
    );
  }
}
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
