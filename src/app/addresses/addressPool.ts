import { InvalidAddressInputError } from '../../domain/addressErrors';
import type { AddressRecord, MailboxRecord } from '../../domain/addressRecords';
import {
  capacityForNewMailbox,
  isPoolLow,
  MAX_ALIASES_PER_MAILBOX,
  poolBucketOf,
} from '../../domain/addressRules';
import type { Principal } from '../../domain/permissions';
import type { MailboxLevel, PoolImportResult, PoolStatus } from '../../domain/pool';
import {
  describeLineProblems,
  plusBaseOf,
  PoolCsvLineProblem,
  PoolCsvReader,
  PoolCsvRow,
  rowCells,
} from '../../domain/poolCsv';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import { asBackgroundWork, DocumentStore } from '../../ports/documentStore';
import type { OnCallAlerts } from '../alerts';
import type { AuditLog } from '../auditLog';
import { changeDocument } from '../documentChanges';
import type { Leases } from '../leases';
import type { PoolBuckets } from './poolBuckets';

/** Other features resume waiting work here (e.g. requests approved while the pool was empty). */
export type PoolImportedListener = (result: PoolImportResult) => Promise<void>;

/** Thrown when a pool file has bad lines; nothing of the file was imported. */
export class PoolImportRejectedError extends InvalidAddressInputError {
  constructor(
    readonly lines: PoolCsvLineProblem[],
    total = lines.length,
  ) {
    super(describeLineProblems(lines, 10, total));
  }
}

/** A pool file that can be read more than once (checked whole first, then written), line by line. */
export type PoolFileLines = () => AsyncIterable<string>;

export interface AddressPoolDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  alerts: OnCallAlerts;
  leases: Leases;
  strategy: 'pool' | 'plus';
  buckets: PoolBuckets;
  /** The central mailbox the shared mailboxes forward to (MAILBOX): recorded on mailboxes, never an alias. */
  centralMailbox?: string;
  /** The plus strategy's base address (PLUS_ADDRESS): never an alias, nor any plus variant of it. */
  plusAddress?: string;
}

const LEVEL_CHECK_LEASE = 'pool-level-check';
const LEVEL_CHECK_INTERVAL_MS = 60_000;
export const POOL_LOW_ALERT = 'pool-low';
const READ_CONCURRENCY = 16;
/** Rows checked against the store, and written, per batch. */
const BATCH = 1000;
/** Aliases added to the pool buckets at a time (each time rewrites the 64 bucket documents). */
const BUCKET_CHUNK = 250_000;
/** Bad lines kept to report (the rest are counted): a broken million-line file must not fill the memory. */
const MAX_REPORTED_PROBLEMS = 1000;
/** Plus bases of pool aliases that have a plus part (`addressKeys`), for the "and vice versa" check. */
const POOL_PLUS_BASES_KEY = 'pool-plus-bases';

/** The alias pool: importing and topping it up, its level per mailbox, and the low-level alert. */
export class AddressPool {
  private readonly importedListeners: PoolImportedListener[] = [];
  /** When this instance last asked for the level check's lease (ms of the clock). */
  private levelAskedAt = -Infinity;

  constructor(private readonly deps: AddressPoolDeps) {}

  onPoolImported(listener: PoolImportedListener): void {
    this.importedListeners.push(listener);
  }

  /** A pool file held in memory (chat, the API). */
  importCsv(csv: string, actor: Principal): Promise<PoolImportResult> {
    return this.importFile(async function* () {
      yield* csv.split(/\r?\n/);
    }, actor);
  }

  /**
   * Imports a pool file of any length in two streamed passes: the whole file is checked first (every line,
   * against itself and the store) and nothing is written when any line has a problem; then it is read again
   * and written in batches. Memory grows with the number of aliases, time linearly with the lines.
   * Idempotent: aliases already in the pool are counted, not changed (and a re-run repairs what a crash
   * during the writing pass left half done).
   */
  importFile(lines: PoolFileLines, actor: Principal): Promise<PoolImportResult> {
    // Background work for the store: a long import cannot starve the requests people wait for.
    return asBackgroundWork(() => this.importNow(lines, actor));
  }

  private async importNow(lines: PoolFileLines, actor: Principal): Promise<PoolImportResult> {
    const plan = await this.check(lines);
    const now = this.deps.clock.now().toISOString();

    const newMailboxes = [...plan.newMailboxCapacity].map(([mailbox, capacity]) => ({
      id: mailbox,
      doc: {
        address: mailbox,
        displayName: mailbox.split('@')[0],
        capacity,
        forwardsTo: this.deps.centralMailbox,
        createdAt: now,
      } satisfies MailboxRecord,
    }));
    const mailboxesCreated = newMailboxes.length
      ? (await this.deps.store.createMany('mailboxes', newMailboxes)).filter(Boolean).length
      : 0;

    let imported = 0;
    let raced = 0;
    let inBuckets: string[] = [];
    const plusBases = new Set<string>();
    let batch: AddressRecord[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const created = await this.deps.store.createMany(
        'addresses',
        batch.map((record) => ({ id: record.address, doc: record })),
      );
      created.forEach((ok) => (ok ? imported++ : raced++)); // raced: a concurrent import of the same file
      batch = [];
    };
    let line = 0;
    for await (const raw of lines()) {
      line++;
      if (!plan.write.has(line) && !plan.present.has(line)) continue;
      const row = rowCells(raw, line);
      if (!row) throw new Error(`line ${line} of the pool file changed while it was imported; run it again`);
      inBuckets.push(row.address); // present ones too: a re-run repairs buckets a crash left unwritten
      const base = plusBaseOf(row.address);
      if (base) plusBases.add(base);
      if (!plan.write.has(line)) continue;
      batch.push({
        address: row.address,
        mailbox: row.mailbox,
        strategy: 'pool',
        state: 'available',
        bucket: poolBucketOf(row.address),
        createdAt: now,
        history: [{ at: now, by: actor.id, action: 'imported' }],
      });
      if (batch.length >= BATCH) await flush();
      if (inBuckets.length >= BUCKET_CHUNK) {
        await flush(); // records first: a bucket only names aliases that exist
        await this.deps.buckets.add(inBuckets);
        inBuckets = [];
      }
    }
    await flush();
    if (plusBases.size) await this.rememberPlusBases(plusBases);
    await this.deps.buckets.add(inBuckets);

    const result = { imported, alreadyPresent: plan.alreadyPresent + raced, mailboxesCreated };
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

  /**
   * The checking pass: every line read once, checked on its own and against the file so far (PoolCsvReader),
   * then against the store in batches: an alias already in another mailbox, an existing pool mailbox, a plus
   * variant of an existing alias or mailbox (and an alias whose plus variants exist), mailboxes over capacity.
   * Answers which lines to write, or throws with every problem found.
   */
  private async check(lines: PoolFileLines) {
    const { store } = this.deps;
    const reader = new PoolCsvReader({
      centralMailbox: this.deps.centralMailbox,
      plusAddress: this.deps.plusAddress,
    });
    const problems: PoolCsvLineProblem[] = [];
    let problemCount = 0;
    const problem = (p: PoolCsvLineProblem) => {
      problemCount++;
      if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(p);
    };
    const existingMailboxes = new Map(
      (await store.query<MailboxRecord>('mailboxes', {})).map((m) => [m.address, m]),
    );
    const existingPlusBases = await this.plusBasesInStore();
    const write = new LineSet();
    const present = new LineSet();
    let alreadyPresent = 0;
    /** Fresh lines per mailbox, kept up to one past the highest possible capacity (for the error's line). */
    const freshPerMailbox = new Map<string, { count: number; lines: number[] }>();

    /** What the store says about a row the file itself accepted. */
    const checkRow = async (row: PoolCsvRow): Promise<'fresh' | 'present' | string> => {
      const { address, mailbox } = row;
      const existing = await store.get<AddressRecord>('addresses', address);
      if (existing && existing.mailbox === mailbox) return 'present';
      if (existing)
        return `\`${address}\` is already in the pool under ${existing.mailbox ?? `the ${existing.strategy} strategy`}`;
      if (existingMailboxes.has(address)) return `\`${address}\` is a pool mailbox, not an alias`;
      const base = plusBaseOf(address);
      if (base !== undefined && (existingMailboxes.has(base) || (await store.get('addresses', base))))
        return `\`${address}\` is a plus variant of \`${base}\`, which is already in the pool: Exchange delivers it there`;
      if (base === undefined && existingPlusBases.has(address))
        return `\`${address}\` would receive the mail of addresses already given out as its plus variants (\`${address.replace('@', '+…@')}\`)`;
      return 'fresh';
    };
    const checkBatch = async (rows: PoolCsvRow[]) => {
      const verdicts = new Array<string>(rows.length);
      await forEachLimited([...rows.keys()], READ_CONCURRENCY, async (i) => {
        verdicts[i] = await checkRow(rows[i]);
      });
      rows.forEach((row, i) => {
        const verdict = verdicts[i];
        if (verdict === 'present') {
          alreadyPresent++;
          present.add(row.line);
        } else if (verdict === 'fresh') {
          write.add(row.line);
          const fresh = freshPerMailbox.get(row.mailbox) ?? { count: 0, lines: [] };
          fresh.count++;
          if (fresh.lines.length <= MAX_ALIASES_PER_MAILBOX) fresh.lines.push(row.line);
          freshPerMailbox.set(row.mailbox, fresh);
        } else problem({ line: row.line, problem: verdict });
      });
    };

    let batch: PoolCsvRow[] = [];
    let line = 0;
    for await (const raw of lines()) {
      const read = reader.read(raw, ++line);
      if (!read) continue;
      if ('problem' in read) problem(read);
      else batch.push(read);
      if (batch.length >= BATCH) {
        await checkBatch(batch);
        batch = [];
      }
    }
    await checkBatch(batch);

    const newMailboxCapacity = new Map<string, number>();
    for (const [mailbox, added] of freshPerMailbox) {
      if (await store.get('addresses', mailbox)) {
        problem({ line: added.lines[0], problem: `${mailbox} is an alias in the pool, not a mailbox` });
        continue;
      }
      const record = existingMailboxes.get(mailbox);
      // Counted only for a mailbox that exists and gets more: a new one carries nothing yet.
      const carried = record ? await store.count('addresses', { mailbox }) : 0;
      const capacity = record?.capacity ?? capacityForNewMailbox(carried + added.count);
      if (!record) newMailboxCapacity.set(mailbox, capacity);
      if (carried + added.count > capacity)
        problem({
          line: added.lines[Math.max(0, capacity - carried)] ?? added.lines[0],
          problem: `${mailbox} would carry ${carried + added.count} aliases, above its capacity of ${capacity}; put the rest on another mailbox`,
        });
    }
    if (problemCount > 0)
      throw new PoolImportRejectedError(
        problems.sort((a, b) => a.line - b.line),
        problemCount,
      );
    if (write.size === 0 && alreadyPresent === 0)
      throw new InvalidAddressInputError(
        'The file has no aliases: send lines `mailbox,address`, e.g. `aws-pool-01@contoso.com,aws-k3x9q2@contoso.com`.',
      );
    return { write, present, alreadyPresent, newMailboxCapacity };
  }

  /** Bases of every address given out with a plus part: plus-strategy records and plus pool aliases. */
  private async plusBasesInStore(): Promise<Set<string>> {
    const bases = new Set<string>();
    if (this.deps.plusAddress) bases.add(this.deps.plusAddress);
    for (const record of await this.deps.store.query<AddressRecord>('addresses', { strategy: 'plus' })) {
      const base = plusBaseOf(record.address);
      if (base) bases.add(base);
    }
    const kept = await this.deps.store.get<{ bases: string[] }>('addressKeys', POOL_PLUS_BASES_KEY);
    for (const base of kept?.bases ?? []) bases.add(base);
    return bases;
  }

  private async rememberPlusBases(bases: Set<string>): Promise<void> {
    await changeDocument<{ bases: string[] }>(this.deps.store, 'addressKeys', POOL_PLUS_BASES_KEY, (doc) => {
      const all = new Set(doc?.bases ?? []);
      const before = all.size;
      bases.forEach((b) => all.add(b));
      return all.size === before ? undefined : { bases: [...all] };
    });
  }

  /** Free aliases and mailboxes, in two counts (status() counts three per mailbox). */
  async summary(): Promise<{ free: number; mailboxes: number }> {
    const [free, mailboxes] = await Promise.all([
      this.deps.store.count('addresses', { strategy: 'pool', state: 'available' }),
      this.deps.store.count('mailboxes', {}),
    ]);
    return { free, mailboxes };
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
    // The lease makes it one check a minute for all instances; an instance that asked for it within that
    // minute need not ask again (two store calls an allocation otherwise, for a check that happens anyway).
    const now = this.deps.clock.now().getTime();
    if (now - this.levelAskedAt < LEVEL_CHECK_INTERVAL_MS) return;
    this.levelAskedAt = now;
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
/** A set of line numbers as a growable bitmap: a million lines take 128 KB. */
class LineSet {
  private bits = new Uint8Array(1024);
  size = 0;

  add(line: number): void {
    const byte = line >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (line & 7);
    if (!(this.bits[byte] & mask)) this.size++;
    this.bits[byte] |= mask;
  }

  has(line: number): boolean {
    const byte = line >> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (line & 7))) !== 0;
  }
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
