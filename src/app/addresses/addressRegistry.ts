import {
  AccountHasAddressError,
  AddressConflictError,
  AddressError,
  InvalidAddressInputError,
  NotAllowedError,
  PoolExhaustedError,
  UnknownAddressError,
} from '../../domain/addressErrors';
import {
  Assignment,
  checkedAccountId,
  checkedAddress,
  claimFromPool,
  describeOwner,
  link,
  newPlusRecord,
  normalizeOwner,
  ownerNameKey,
  releaseFromQuarantine,
  restore,
  retire,
  snapshot,
  transfer,
} from '../../domain/addressChanges';
import type { AddressRecord, Owner } from '../../domain/addressRecords';
import type { RecordFacts } from '../../domain/reconciliation';
import {
  POOL_BUCKETS,
  accountNameProblem,
  isValidRootEmail,
  normalizeAccountName,
  normalizeAddress,
  plusAddressFor,
} from '../../domain/addressRules';
import { mayChangeAddress, mayRestoreAddresses, Principal } from '../../domain/permissions';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, mergeProbes, searchFieldsFor } from '../../domain/registrySearch';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Filter, Stored } from '../../ports/documentStore';
import type { AuditLog } from '../auditLog';
import { changeDocument, ContendedError, writeIfUnchanged } from '../documentChanges';
import { AssignedIndex, IndexChange, shardOf } from './assignedIndex';
import type { PoolBuckets } from './poolBuckets';

export interface RegistryQuery {
  /** What the person typed; absent or empty lists every record. */
  text?: string;
  state?: AddressRecord['state'];
  mailbox?: string;
  offset?: number;
  limit?: number;
}

export interface RegistryPage {
  records: AddressRecord[];
  offset: number;
  limit: number;
  /** There are records after this page. */
  more: boolean;
}

export interface AllocateInput {
  accountName: string;
  owner: Owner;
  purpose?: string;
  requestId?: string;
  by: Principal;
  /** This pool alias and no other, when it is free (the local demo's account: its sample mail's alias). */
  alias?: string;
}

/** An address just claimed, and what its record was before (null: it did not exist). */
interface Claimed {
  record: Stored<AddressRecord>;
  before: AddressRecord | null;
  /** False when another run for the same request had created it (plus addresses): nothing to record. */
  fresh?: false;
}

function requestKey(requestId: string): string {
  return `request:${requestId}`;
}

export interface AddressSettings {
  strategy: 'pool' | 'plus';
  plusAddress?: string;
  quarantineDays: number;
}

export interface AddressRegistryDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  settings: AddressSettings;
  /** Which aliases hash to which bucket, for sampling by point reads. */
  buckets: PoolBuckets;
  /** Runs after every allocation (the pool's low-level check); its failures are logged, never thrown. */
  afterAllocation?: () => Promise<void>;
  random?: () => number;
}

/** An AWS account as reconciliation asks about it. */
export interface AccountToMatch {
  id: string;
  email: string;
  /** Organizations' State; only an ACTIVE account's record may be vouched for by the index alone. */
  state?: string;
}

/** Each run checks the index entries of one in this many shards against their records: all within a day. */
const VERIFY_SLOTS = 24;

const SAMPLES_PER_BUCKET = 6;
/** Point reads in flight at once while reading what reconciliation needs. */
const RECONCILE_READS_IN_FLIGHT = 24;
const MAX_SAMPLES = 24;
const MAX_BUCKETS_VISITED = 8;
const MAX_FALLBACK_ATTEMPTS = 50;
/** How long an alias seen taken is skipped by this instance's sampling, and how many such aliases it keeps. */
const TAKEN_SKIPPED_MS = 10 * 60_000;
const TAKEN_KEPT = 100_000;

/**
 * The address records (`addresses`, and the unique `aws:<id>` keys in `addressKeys`): allocation, lookups
 * and the changes owners and admins make. The rules of a change are in src/domain/addressChanges.ts; here
 * every write is create-if-absent or a replace with the etag just read, so concurrent callers never share
 * an address.
 */
export class AddressRegistry {
  private readonly random: () => number;
  private readonly assigned: AssignedIndex;
  /**
   * Aliases this instance saw taken, and until when it skips them when sampling (a hint only: whether an alias
   * is free is decided by its record and etag, and a pool that sampling misses is queried). Taken aliases come
   * back only after a quarantine of days, so a few minutes' memory never hides a free one for long.
   */
  private readonly seenTaken = new Map<string, number>();
  /** Set once `account-keys:complete` was seen: it is never removed. */
  private everyAccountKeyed = false;

  constructor(private readonly deps: AddressRegistryDeps) {
    this.random = deps.random ?? Math.random;
    this.assigned = new AssignedIndex(deps.store);
  }

  /**
   * Hands out a new address for an AWS account; throws PoolExhaustedError or an InvalidAddressInputError.
   * With a request id, at most one address per request, however often and however concurrently it is asked
   * (a request's work run again after a crash, or by two instances): the `request:<id>` key decides.
   */
  async allocate(input: AllocateInput): Promise<AddressRecord> {
    const nameProblem = accountNameProblem(input.accountName);
    if (nameProblem) throw new InvalidAddressInputError(nameProblem);
    if (!input.owner?.id?.trim())
      throw new InvalidAddressInputError('Say who owns the address: an Entra object id or UPN.');
    const assignment: Assignment = {
      accountName: normalizeAccountName(input.accountName),
      owner: normalizeOwner(input.owner),
      purpose: input.purpose,
      requestId: input.requestId,
    };
    if (input.requestId) {
      const given = await this.givenToRequest(input.requestId);
      if (given) {
        await this.recordAllocation(given, input); // a no-op unless a crash cut it off the first time
        return given;
      }
    }
    // From a pool, once every assigned record has its account key (keyAccounts), the key alone decides: it is
    // created right after the alias is claimed, and a name that already holds an address gives the alias
    // back (below) — a read fewer for every allocation that is not refused. Otherwise it is looked at first.
    const lookFirst = this.deps.settings.strategy !== 'pool' || !(await this.accountsKeyed());
    const { holder, key } = lookFirst ? await this.accountHolder(assignment.accountName) : {};
    // Another run for the same request got there first (work run twice, or by two instances): theirs.
    if (holder && input.requestId && holder.requestId === input.requestId) return this.joinRun(holder, input);
    if (holder) throw accountTaken(holder);
    const claimed =
      this.deps.settings.strategy === 'plus'
        ? await this.allocatePlus(assignment, input.by)
        : input.alias
          ? await this.allocateAlias(normalizeAddress(input.alias), assignment, input.by)
          : await this.allocateFromPool(assignment, input.by);
    // The key as read above, or taken to be absent (its etag, or create-if-absent, guards the write).
    const account = await this.bindToAccount(assignment.accountName, claimed.record.address, { key });
    if (!account.bound) {
      await this.giveBack(claimed);
      if (input.requestId && account.holder.requestId === input.requestId)
        return this.joinRun(account.holder, input);
      throw accountTaken(account.holder);
    }
    if (input.requestId && !(await this.bindToRequest(input.requestId, claimed.record.address))) {
      // Another run for the same request was faster: give this one back and answer theirs.
      await account.release();
      await this.giveBack(claimed);
      const theirs = await this.givenToRequest(input.requestId);
      if (theirs) return theirs;
      throw new AddressConflictError('The request was given an address at the same moment; try again.');
    }
    const record = claimed.record;
    if (claimed.fresh === false) return withoutStoreFields(record);
    await this.recordAllocation(record, input);
    await this.deps.afterAllocation?.().catch((err) => {
      this.deps.logger.error({ err }, 'pool level check after an allocation failed');
    });
    return withoutStoreFields(record);
  }

  /**
   * The address in the assigned index, and the allocation's audit events on the address and the request (once
   * per request when there is one).
   */
  private async recordAllocation(record: AddressRecord, input: AllocateInput): Promise<void> {
    await this.assigned.add(record.address).catch((err) => {
      this.deps.logger.error({ err }, 'could not add an allocated address to the assigned index');
    });
    for (const subject of [record.address, input.requestId].filter((s): s is string => !!s)) {
      await this.deps.audit.record(
        {
          subject,
          action: 'address.allocated',
          actorId: input.by.id,
          actorName: input.by.name,
          after: snapshot(record),
          detail: subject === record.address && input.requestId ? `request ${input.requestId}` : undefined,
        },
        input.requestId ? { once: `allocated:${input.requestId}` } : {},
      );
    }
  }

  /** The address another run for the same request was given: this run answers it too. */
  private async joinRun(theirs: AddressRecord, input: AllocateInput): Promise<AddressRecord> {
    if (!(await this.bindToRequest(input.requestId!, theirs.address))) {
      const bound = await this.givenToRequest(input.requestId!);
      if (bound) return bound;
    }
    await this.recordAllocation(theirs, input); // once per request, whichever run writes it
    return theirs;
  }

  /** An address claimed by an allocation that lost a race afterwards goes back as it was. */
  private async giveBack({ record: mine, before }: Claimed): Promise<void> {
    await (
      before
        ? writeIfUnchanged(this.deps.store, 'addresses', mine.address, mine, before)
        : this.deps.store.delete('addresses', mine.address, mine._etag)
    ).catch((err) => this.deps.logger.error({ err }, 'could not give back a doubly allocated address'));
  }

  /**
   * The assigned address of an account name, if it has one: the record its `account:<name>` key names, or
   * (records allocated before the key existed) the oldest assigned record with that name.
   */
  async holderOfAccount(accountNameInput: string): Promise<AddressRecord | undefined> {
    return (await this.accountHolder(normalizeAccountName(accountNameInput))).holder;
  }

  /** The holder of an account name, and its key as read (undefined: none). */
  private async accountHolder(
    accountName: string,
  ): Promise<{ holder?: AddressRecord; key?: Stored<AccountKey> }> {
    const { store } = this.deps;
    const key = await store.get<AccountKey>('addressKeys', accountKey(accountName));
    const keyed = key && (await store.get<AddressRecord>('addresses', key.address));
    if (keyed && holdsAccount(keyed, accountName)) return { holder: withoutStoreFields(keyed), key };
    // No key at all: no address, once every record has its key. A key whose address no longer holds the
    // name may leave another record with it (duplicates an older version left): looked for.
    if (!key && (await this.accountsKeyed())) return { key };
    return { holder: await this.unkeyedHolder(accountName), key };
  }

  /** The oldest assigned record of an account name other than `except`, found by a query (no key names it). */
  private async unkeyedHolder(accountName: string, except?: string): Promise<AddressRecord | undefined> {
    const found = await this.deps.store.query<AddressRecord>(
      'addresses',
      { accountName, state: 'assigned' },
      { orderBy: 'assignedAt', limit: 2 },
    );
    const older = found.find((r) => r.address !== except);
    return older && withoutStoreFields(older);
  }

  /** Whether every assigned record has its account key (keyAccounts ran to the end once). */
  private async accountsKeyed(): Promise<boolean> {
    this.everyAccountKeyed ||= !!(await this.deps.store.get('addressKeys', ACCOUNTS_KEYED));
    return this.everyAccountKeyed;
  }

  /**
   * Gives each assigned record allocated before account keys existed its `account:<name>` key (the oldest
   * record of a name gets it, as the look-up without a key answered), then writes `account-keys:complete`:
   * from then on a name without a key has no address, and allocation no longer queries for one. Run by every
   * instance at start, as background work; one point read once done. (An instance of a version from before
   * the keys, still running during a rolling deployment, allocated without the one-address-per-account check
   * anyway.)
   */
  async keyAccounts(): Promise<void> {
    if (await this.accountsKeyed()) return;
    const assigned = await this.deps.store.query<AddressRecord>(
      'addresses',
      { state: 'assigned' },
      { orderBy: 'assignedAt' },
    );
    let keyed = 0;
    for (const record of assigned) {
      const accountName = record.accountName && normalizeAccountName(record.accountName);
      if (!accountName) continue;
      const existing = await this.deps.store.get<AccountKey>('addressKeys', accountKey(accountName));
      if (existing) continue; // keyed when it was allocated, or by an older record of the name just now
      if ((await this.bindToAccount(accountName, record.address)).bound) keyed++;
    }
    await this.deps.store.upsert('addressKeys', ACCOUNTS_KEYED, { at: this.now(), keyed });
    this.everyAccountKeyed = true;
    if (keyed) this.deps.logger.info({ keyed }, 'account keys written for addresses allocated before them');
  }

  /**
   * Takes the unique key `account:<name>` for `address` (create-if-absent; a key whose record no longer
   * holds the account — retired, or never written after a crash — is taken over by its etag). The key is
   * what makes two allocations racing for one account end with one address: the loser gives its alias back.
   */
  private async bindToAccount(
    accountName: string,
    address: string,
    read?: { key: Stored<AccountKey> | undefined },
  ): Promise<{ bound: true; release: () => Promise<void> } | { bound: false; holder: AddressRecord }> {
    const { store } = this.deps;
    const id = accountKey(accountName);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = attempt === 0 && read ? read.key : await store.get<AccountKey>('addressKeys', id);
      // Already this address's (a plus address asked for again by the same request): nothing to write.
      if (existing?.address === address) return { bound: true, release: async () => undefined };
      if (existing && existing.address !== address) {
        const holder = await store.get<AddressRecord>('addresses', existing.address);
        if (holder && holdsAccount(holder, accountName))
          return { bound: false, holder: withoutStoreFields(holder) };
        // Its address no longer holds the name (retired, transferred): another record an older version left
        // with the same name holds it then, and the key moves to that one.
        const other = await this.unkeyedHolder(accountName, address);
        if (other) {
          await writeIfUnchanged(store, 'addressKeys', id, existing, {
            address: other.address,
            at: this.now(),
          });
          return { bound: false, holder: other };
        }
      }
      const taken = await writeIfUnchanged(store, 'addressKeys', id, existing, { address, at: this.now() });
      if (!taken) continue; // another allocation wrote the key in between: look at whose it is now
      const release = async () => {
        await store.delete('addressKeys', id, taken._etag).catch((err) => {
          this.deps.logger.warn({ err }, 'could not release an account key; lookups check its record');
        });
      };
      return { bound: true, release };
    }
    throw new AddressConflictError(`${accountName} is being given an address at this moment; try again.`);
  }

  /** The address a request was given: its `request:<id>` key, or (a crash before the key) its record. */
  private async givenToRequest(requestId: string): Promise<AddressRecord | undefined> {
    const key = await this.deps.store.get<{ address: string }>('addressKeys', requestKey(requestId));
    const keyed = key && (await this.deps.store.get<AddressRecord>('addresses', key.address));
    if (keyed?.requestId === requestId) return withoutStoreFields(keyed);
    const found = await this.byRequestId(requestId);
    if (found) await this.bindToRequest(requestId, found.address);
    return found;
  }

  /** Create-if-absent: true when `address` is now the request's, false when another address was first. */
  private async bindToRequest(requestId: string, address: string): Promise<boolean> {
    const key = requestKey(requestId);
    if (await writeIfUnchanged(this.deps.store, 'addressKeys', key, undefined, { address })) return true;
    return (await this.deps.store.get<{ address: string }>('addressKeys', key))?.address === address;
  }

  private async allocatePlus(assignment: Assignment, by: Principal): Promise<Claimed> {
    const base = this.deps.settings.plusAddress;
    if (!base) throw new AddressError('PLUS_ADDRESS is not set, so no plus address can be made.');
    const { address, problem } = plusAddressFor(base, assignment.accountName);
    if (!address) throw new InvalidAddressInputError(problem!);
    const record = newPlusRecord(address, base, assignment, by, this.now());
    const created = await writeIfUnchanged(this.deps.store, 'addresses', address, undefined, record);
    if (!created) {
      const existing = await this.deps.store.get<AddressRecord>('addresses', address);
      // The same request asking again at the same moment gets the same plus address, not a refusal.
      if (assignment.requestId && existing?.requestId === assignment.requestId)
        return { record: existing, before: null, fresh: false };
      throw new AddressConflictError(
        `\`${address}\` was handed out before, and a plus address is never reused: pick another account name.`,
      );
    }
    return { record: created, before: null };
  }

  /**
   * Samples aliases at random, bucket by bucket, and claims the first free one by replacing its record with
   * the etag just read; concurrent callers mostly look at different aliases. When sampling keeps missing
   * (a nearly empty pool), a query decides, so "pool exhausted" is only said when nothing is free.
   */
  private async allocateFromPool(assignment: Assignment, by: Principal): Promise<Claimed> {
    let sampled = 0;
    let bucket = Math.floor(this.random() * POOL_BUCKETS);
    for (
      let step = 0;
      step < MAX_BUCKETS_VISITED && sampled < MAX_SAMPLES;
      step++, bucket = (bucket + 1) % POOL_BUCKETS
    ) {
      const aliases = (await this.deps.buckets.aliasesIn(bucket)).filter((a) => !this.takenLately(a));
      for (const address of this.sample(aliases, SAMPLES_PER_BUCKET)) {
        sampled++;
        const claimed = await this.claim(address, assignment, by);
        if (claimed) return claimed;
      }
    }
    for (let attempt = 0; attempt < MAX_FALLBACK_ATTEMPTS; attempt++) {
      const candidates = await this.deps.store.query<AddressRecord>(
        'addresses',
        { strategy: 'pool', state: 'available' },
        { limit: 32 },
      );
      if (!candidates.length) throw new PoolExhaustedError();
      const pick = candidates[Math.floor(this.random() * candidates.length)].address;
      const claimed = await this.claim(pick, assignment, by);
      if (claimed) return claimed;
    }
    throw new AddressConflictError('Too many people are asking for addresses at the same moment; try again.');
  }

  private async allocateAlias(address: string, assignment: Assignment, by: Principal): Promise<Claimed> {
    const claimed = await this.claim(address, assignment, by);
    if (!claimed) throw new AddressConflictError(`${address} is not a free alias of the pool.`);
    return claimed;
  }

  private sample(items: string[], count: number): string[] {
    const pool = [...items];
    const picked: string[] = [];
    while (picked.length < count && pool.length) {
      const i = Math.floor(this.random() * pool.length);
      picked.push(pool[i]);
      pool[i] = pool[pool.length - 1];
      pool.pop();
    }
    return picked;
  }

  /** Claims one alias if it is still free; undefined when it is taken or someone was faster. */
  private async claim(address: string, assignment: Assignment, by: Principal): Promise<Claimed | undefined> {
    // Taken from now on, whoever wins it: this instance's other allocations sample other aliases meanwhile.
    this.sawTaken(address);
    const current = await this.deps.store.get<AddressRecord>('addresses', address);
    const next = current && claimFromPool(withoutStoreFields(current), assignment, by, this.now());
    const record = next && (await writeIfUnchanged(this.deps.store, 'addresses', address, current, next));
    return record ? { record, before: withoutStoreFields(current!) } : undefined;
  }

  private takenLately(address: string): boolean {
    const until = this.seenTaken.get(address);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.seenTaken.delete(address);
    return false;
  }

  private sawTaken(address: string): void {
    if (this.seenTaken.size >= TAKEN_KEPT) this.seenTaken.delete(this.seenTaken.keys().next().value!);
    this.seenTaken.set(address, Date.now() + TAKEN_SKIPPED_MS);
  }

  async get(addressInput: string): Promise<AddressRecord | undefined> {
    const stored = await this.deps.store.get<AddressRecord>('addresses', checkedAddress(addressInput));
    return stored && withoutStoreFields(stored);
  }

  /** Point reads only: the unique key `aws:<id>`, then the address it names (checked, keys can be stale). */
  async byAwsAccountId(idInput: string): Promise<AddressRecord | undefined> {
    const id = checkedAccountId(idInput);
    const key = await this.deps.store.get<{ address: string }>('addressKeys', awsKey(id));
    if (!key) return undefined;
    const record = await this.deps.store.get<AddressRecord>('addresses', key.address);
    return record?.awsAccountId === id ? withoutStoreFields(record) : undefined;
  }

  /** By Entra object id, or by UPN when the text has an @. */
  async byOwner(ownerInput: string): Promise<AddressRecord[]> {
    const owner = ownerInput.trim().toLowerCase();
    if (!owner) throw new InvalidAddressInputError('Say whose addresses: an Entra object id or a UPN.');
    const filter: Record<string, string> = owner.includes('@')
      ? { 'owner.upn': owner }
      : { 'owner.id': owner };
    const found = await this.deps.store.query<AddressRecord>('addresses', filter, { orderBy: 'address' });
    return found.map(withoutStoreFields);
  }

  async byState(state: AddressRecord['state'], limit = 200): Promise<AddressRecord[]> {
    const found = await this.deps.store.query<AddressRecord>(
      'addresses',
      { state },
      { orderBy: 'address', limit },
    );
    return found.map(withoutStoreFields);
  }

  /**
   * What people type to find a record: an AWS account id (exact, or the start of one), an address or UPN
   * (the start of it), an account name or an owner's display name (the start, any case). Optionally only
   * one state or mailbox. The first page of `find`.
   */
  async search(
    text: string,
    options: { state?: AddressRecord['state']; mailbox?: string; limit?: number } = {},
  ): Promise<AddressRecord[]> {
    if (!text.trim())
      throw new InvalidAddressInputError('Say what to look for: an account name, id, address or owner.');
    const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_PAGE_SIZE);
    return (await this.find({ ...options, text, limit })).records;
  }

  /**
   * A page of the registry: with `text`, the records whose account id, address, UPN, account name or owner
   * name starts with it, ordered by what matched; without, every record ordered by address. One prefix
   * query per field the text can be (src/domain/registrySearch.ts), in parallel, each ordered by its own
   * indexed field with a small TOP, so no query sorts or scans more than the page needs.
   */
  async find(query: RegistryQuery): Promise<RegistryPage> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const scope: Filter = {};
    if (query.state) scope.state = query.state;
    if (query.mailbox) scope.mailbox = query.mailbox.trim().toLowerCase();
    const wanted = query.text?.trim().toLowerCase() ?? '';
    const probes: { field: string; filter: Filter }[] = wanted
      ? searchFieldsFor(wanted).map((field) => ({
          field,
          filter: { ...scope, [field]: { startsWith: wanted } },
        }))
      : [{ field: 'address', filter: scope }];
    const fetch = offset + limit + 1; // see mergeProbes: with this many per probe the page is exact
    const answers = await Promise.all(
      probes.map(async ({ field, filter }) => ({
        rows: await this.deps.store.query<AddressRecord>('addresses', filter, {
          orderBy: field,
          limit: fetch,
        }),
      })),
    );
    const { rows, more } = mergeProbes(
      answers,
      (row, probe) => String(valueAt(row, probes[probe].field) ?? '').toLowerCase(),
      (row) => row.address,
      offset,
      limit,
    );
    return { records: rows.map(withoutStoreFields), offset, limit, more };
  }

  /** Records assigned before owners' names were kept searchable get their key (once, in the background). */
  async backfillSearchKeys(): Promise<number> {
    let filled = 0;
    for (const record of await this.deps.store.query<AddressRecord>('addresses', {
      state: 'assigned',
      ownerNameKey: null,
    })) {
      const key = ownerNameKey(record.owner);
      if (!key) continue;
      const written = await writeIfUnchanged(this.deps.store, 'addresses', record.address, record, {
        ...withoutStoreFields(record),
        ownerNameKey: key,
      });
      if (written) filled++;
    }
    return filled;
  }

  /** The address a request was given (after a crash between allocating and recording it, too). */
  async byRequestId(requestId: string): Promise<AddressRecord | undefined> {
    const [found] = await this.deps.store.query<AddressRecord>('addresses', { requestId }, { limit: 1 });
    return found && withoutStoreFields(found);
  }

  /**
   * Which of our addresses a mail was sent to: the full address first; then, for plus addresses, the tag
   * re-attached to the PLUS_ADDRESS base (a mail may name the base under another alias or case).
   */
  async findRecipient(recipients: readonly string[]): Promise<AddressRecord | undefined> {
    for (const address of recipients) {
      const record = await this.deps.store.get<AddressRecord>('addresses', address.toLowerCase());
      if (record) return withoutStoreFields(record);
    }
    const plusAddress = this.deps.settings.plusAddress;
    if (!plusAddress) return undefined;
    const [baseLocal, baseDomain] = plusAddress.toLowerCase().split('@');
    for (const address of recipients) {
      const match = /^[^+@]+\+([^@]+)@(.+)$/.exec(address.toLowerCase());
      if (!match || match[2] !== baseDomain) continue;
      const candidate = `${baseLocal}+${match[1]}@${baseDomain}`;
      if (candidate === address.toLowerCase()) continue;
      const record = await this.deps.store.get<AddressRecord>('addresses', candidate);
      if (record) return withoutStoreFields(record);
    }
    return undefined;
  }

  async linkAwsAccount(addressInput: string, idInput: string, by: Principal): Promise<AddressRecord> {
    const address = checkedAddress(addressInput);
    const id = checkedAccountId(idInput);
    const current = await this.requireStored(address);
    this.assertMayChange(by, current);
    const next = link(withoutStoreFields(current), id, by, this.now());
    if (!next) return withoutStoreFields(current);

    const undoKey = await this.holdAccountKey(id, address);
    const updated = await writeIfUnchanged(this.deps.store, 'addresses', address, current, next);
    if (!updated) {
      await undoKey().catch((err) =>
        this.deps.logger.error({ err, id }, 'could not undo an account-id key; lookups ignore it'),
      );
      throw new AddressConflictError(
        `\`${address}\` was changed by someone else at the same moment; nothing was changed, please try again.`,
      );
    }
    if (current.awsAccountId) {
      // The old key now points at a record that no longer holds it; lookups check, so a failure is harmless.
      await this.deps.store.delete('addressKeys', awsKey(current.awsAccountId)).catch(() => undefined);
    }
    await this.assigned.link(address, id).catch((err) => {
      this.deps.logger.warn(
        { err },
        'could not note a link in the assigned index; reconciliation repairs it',
      );
    });
    await this.recordChange(address, 'address.linked', by, current, updated);
    return withoutStoreFields(updated);
  }

  /**
   * Takes the unique key `aws:<id>` for `address` (create-if-absent; a stale key — one whose record no
   * longer holds the id — is taken over by its etag). Answers how to give it back if the record write fails.
   */
  private async holdAccountKey(id: string, address: string): Promise<() => Promise<void>> {
    const { store } = this.deps;
    const keyDoc = { address, at: this.now() };
    const existing = await store.get<{ address: string; at: string }>('addressKeys', awsKey(id));
    if (existing && existing.address !== address) {
      const holder = await store.get<AddressRecord>('addresses', existing.address);
      if (holder?.awsAccountId === id)
        throw new AddressConflictError(
          `AWS account ${id} is already linked to \`${holder.address}\`; one AWS account has one root address. Check the id, or retire that address first.`,
        );
    }
    const taken = await writeIfUnchanged(store, 'addressKeys', awsKey(id), existing, keyDoc);
    if (!taken) throw new AddressConflictError('The account id was changing at the same moment; try again.');
    if (!existing) return () => store.delete('addressKeys', awsKey(id));
    const previous = { address: existing.address, at: existing.at };
    return async () => {
      await writeIfUnchanged(store, 'addressKeys', awsKey(id), taken, previous);
    };
  }

  async transfer(addressInput: string, newOwner: Owner, by: Principal): Promise<AddressRecord> {
    const owner = normalizeOwner(newOwner);
    return this.change(addressInput, by, 'address.transferred', (current, now) =>
      transfer(current, owner, by, now),
    );
  }

  /** Pool aliases go to quarantine for QUARANTINE_DAYS; plus addresses are retired for good. */
  async retire(addressInput: string, reason: string | undefined, by: Principal): Promise<AddressRecord> {
    const why = reason?.trim().slice(0, 200) || undefined;
    const record = await this.change(
      addressInput,
      by,
      'address.retired',
      (current, now) => retire(current, why, by, now, this.deps.settings.quarantineDays),
      why,
    );
    await this.assigned.remove(record.address).catch((err) => {
      this.deps.logger.warn({ err }, 'could not take a retired address out of the assigned index');
    });
    return record;
  }

  /**
   * An address in quarantine back to its last owner (admins): it takes its account's key again, so it is
   * refused when the account has been given another address meanwhile.
   */
  async restore(addressInput: string, by: Principal): Promise<AddressRecord> {
    const verdict = mayRestoreAddresses(by);
    if (!verdict.allowed) throw new NotAllowedError(verdict.reason);
    const address = checkedAddress(addressInput);
    const current = await this.requireStored(address);
    restore(withoutStoreFields(current), by, this.now()); // refuses early what cannot be restored
    const accountName = normalizeAccountName(current.accountName ?? '');
    const account = accountName
      ? await this.bindToAccount(accountName, address)
      : { bound: true as const, release: async () => undefined };
    if (!account.bound) throw accountTaken(account.holder);
    try {
      const record = await this.change(address, by, 'address.restored', (latest, now) =>
        restore(latest, by, now),
      );
      await this.assigned.add(record.address).catch((err) => {
        this.deps.logger.warn({ err }, 'could not put a restored address in the assigned index');
      });
      return record;
    } catch (err) {
      await account.release();
      throw err;
    }
  }

  /**
   * What a person typed where an address is expected: an address, or an account name that identifies
   * exactly one record in one of `states` (most commands: the assigned one; `restore`: the quarantined one).
   */
  async resolveAddress(
    text: string,
    states: readonly AddressRecord['state'][] = ['assigned'],
  ): Promise<string> {
    const typed = text.trim().toLowerCase();
    if (!typed || typed.includes('@')) return typed;
    if (accountNameProblem(typed))
      throw new InvalidAddressInputError(
        `\`${typed.slice(0, 60)}\` is neither an address nor an account name: give the address (aws-…@…) or the account name.`,
      );
    const found = (
      await this.deps.store.query<AddressRecord>(
        'addresses',
        { accountName: typed },
        { orderBy: 'address', limit: 20 },
      )
    ).filter((r) => states.includes(r.state));
    if (found.length === 1) return found[0].address;
    if (!found.length)
      throw new UnknownAddressError(
        `No ${states.join(' or ')} address belongs to the account ${typed}: check the name, or use \`whois\` to search.`,
      );
    throw new AddressConflictError(
      `The account ${typed} has ${found.length} addresses (${found.map((r) => r.address).join(', ')}): say which address.`,
    );
  }

  /**
   * What reconciliation compares with AWS Organizations, by point reads only (a query over `addresses`
   * grows with the pool): the record of each account's root e-mail, the record each account id is linked
   * to, and every assigned record. Where the assigned index vouches that an ACTIVE account's root e-mail is
   * an assigned address linked to that very account, the index entry stands in for the record (no read);
   * a slice of those entries is checked against their records every run, all of them within a day, and what
   * disagrees is repaired. Accounts are looked up as they come, so the reads overlap AWS's paging.
   */
  async recordsForReconciliation(
    accounts: AsyncIterable<AccountToMatch> | Iterable<AccountToMatch>,
  ): Promise<RecordFacts[]> {
    const { store } = this.deps;
    let index = await this.assigned.read();
    if (!index.built) {
      // Once, after an upgrade: addresses assigned before the index existed.
      const assigned = await store.query<AddressRecord>('addresses', { state: 'assigned' });
      await this.assigned.fill(
        assigned.map((r) => ({ address: r.address, accountId: r.awsAccountId ?? '' })),
        this.now(),
      );
      index = await this.assigned.read();
    }
    const { entries } = index;
    const slot = Math.floor(this.deps.clock.now().getTime() / 3_600_000) % VERIFY_SLOTS;
    const checkedThisRun = (address: string) => shardOf(address) % VERIFY_SLOTS === slot;

    const found = new Map<string, RecordFacts>();
    const read = new Map<string, RecordFacts | undefined>();
    const readRecord = async (address: string) => {
      if (read.has(address)) return read.get(address);
      read.set(address, undefined);
      const record = await store.get<AddressRecord>('addresses', address);
      const facts = record && factsOf(record);
      read.set(address, facts);
      if (facts) found.set(address, facts);
      return facts;
    };
    const lookUp = async (account: AccountToMatch) => {
      const email = normalizeAddress(account.email);
      if (account.state === 'ACTIVE' && entries.get(email) === account.id && !checkedThisRun(email)) {
        found.set(email, { address: email, state: 'assigned', awsAccountId: account.id });
        return;
      }
      const byEmail = isValidRootEmail(email) ? await readRecord(email) : undefined;
      // Linked to this very account: nothing more to learn about it.
      if (byEmail?.state === 'assigned' && byEmail.awsAccountId === account.id) return;
      const key = await store.get<{ address: string }>('addressKeys', awsKey(account.id));
      if (key && key.address !== email) await readRecord(key.address);
    };
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    for await (const account of accounts) {
      while (inFlight.size >= RECONCILE_READS_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) break;
      const reading: Promise<void> = lookUp(account)
        .catch((err: unknown) => void (failure ??= { err }))
        .finally(() => inFlight.delete(reading));
      inFlight.add(reading);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.err;

    // Assigned records no account's root e-mail led to (unused, or linked to an account elsewhere).
    const unmatched = [...entries.keys()].filter((address) => !found.has(address) && !read.has(address));
    await inParallel(unmatched, RECONCILE_READS_IN_FLIGHT, readRecord);

    const repairs: IndexChange[] = [];
    for (const [address, facts] of read) {
      const expected = facts?.state === 'assigned' ? (facts.awsAccountId ?? '') : undefined;
      if (entries.get(address) !== expected && (expected !== undefined || entries.has(address)))
        repairs.push({ address, accountId: expected });
    }
    if (repairs.length) {
      this.deps.logger.info({ repairs: repairs.length }, 'assigned index repaired from the records');
      await this.assigned.repair(repairs);
    }
    return [...found.values()];
  }

  /** The background job: quarantined pool aliases whose time is up go back to `available`. */
  async returnExpiredQuarantine(): Promise<number> {
    const now = this.deps.clock.now();
    const quarantined = await this.deps.store.query<AddressRecord>('addresses', { state: 'quarantined' });
    let returned = 0;
    for (const record of quarantined) {
      const released = releaseFromQuarantine(withoutStoreFields(record), now);
      if (!released) continue;
      const written = await writeIfUnchanged(this.deps.store, 'addresses', record.address, record, released);
      if (!written) continue; // changed meanwhile: the next run decides again
      returned++;
      await this.recordChange(record.address, 'address.returned-to-pool', SYSTEM, record, released);
    }
    return returned;
  }

  /**
   * The record `text` names (an address, or an account name with one assigned record) when `by` may
   * change it; throws the refusal a change would. What a confirmation card is offered for.
   */
  async changeable(text: string, by: Principal): Promise<AddressRecord> {
    const address = await this.resolveAddress(text);
    const record = withoutStoreFields(await this.requireStored(checkedAddress(address)));
    this.assertMayChange(by, record);
    return record;
  }

  private assertMayChange(by: Principal, record: AddressRecord): void {
    const verdict = mayChangeAddress(by, record, describeOwner(record.owner));
    if (!verdict.allowed) throw new NotAllowedError(verdict.reason);
  }

  private async requireStored(address: string): Promise<Stored<AddressRecord>> {
    const found = await this.deps.store.get<AddressRecord>('addresses', address);
    if (!found)
      throw new UnknownAddressError(
        `I don't know \`${address}\`: check the spelling, or use \`whois\` to search.`,
      );
    return found;
  }

  /** A change decided by a domain rule, written with the etag; refused or retried as the rule says. */
  private async change(
    addressInput: string,
    by: Principal,
    action: string,
    decide: (current: AddressRecord, now: string) => AddressRecord,
    detail?: string,
  ): Promise<AddressRecord> {
    const address = checkedAddress(addressInput);
    let before: AddressRecord | undefined;
    try {
      const { document } = await changeDocument<AddressRecord>(
        this.deps.store,
        'addresses',
        address,
        (current) => {
          if (!current)
            throw new UnknownAddressError(
              `I don't know \`${address}\`: check the spelling, or use \`whois\` to search.`,
            );
          this.assertMayChange(by, current);
          before = withoutStoreFields(current);
          return decide(before, this.now());
        },
        5,
      );
      await this.recordChange(address, action, by, before!, document!, detail);
      return withoutStoreFields(document!);
    } catch (err) {
      if (err instanceof ContendedError)
        throw new AddressConflictError(
          `\`${address}\` keeps changing under us; nothing was changed, please try again.`,
        );
      throw err;
    }
  }

  private async recordChange(
    subject: string,
    action: string,
    by: { id: string; name?: string },
    before: AddressRecord,
    after: AddressRecord,
    detail?: string,
  ): Promise<void> {
    await this.deps.audit.record({
      subject,
      action,
      actorId: by.id,
      actorName: by.name,
      before: snapshot(before),
      after: snapshot(after),
      detail,
    });
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

const SYSTEM = { id: 'system', name: 'RootMail' };

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

function awsKey(id: string): string {
  return `aws:${id}`;
}

/** `account:<name>`: the one address an account name holds. */
interface AccountKey {
  address: string;
  at: string;
}

/** Written once every assigned record has its account key (see keyAccounts). */
const ACCOUNTS_KEYED = 'account-keys:complete';

function accountKey(accountName: string): string {
  return `account:${accountName}`;
}

const holdsAccount = (record: AddressRecord, accountName: string) =>
  record.state === 'assigned' && normalizeAccountName(record.accountName ?? '') === accountName;

function accountTaken(holder: AddressRecord): AccountHasAddressError {
  return new AccountHasAddressError(holder.accountName ?? 'This account', {
    address: holder.address,
    ownerName: describeOwner(holder.owner),
  });
}

/** `owner.upn` of a record, as the store reads a dotted field. */
function valueAt(record: AddressRecord, field: string): unknown {
  return field
    .split('.')
    .reduce<unknown>((v, part) => (v as Record<string, unknown> | undefined)?.[part], record);
}

/** What reconciliation needs of a record: no history, no purpose. */
function factsOf(record: AddressRecord): RecordFacts {
  const { address, state, awsAccountId, owner, assignedAt } = record;
  return { address, state, awsAccountId, owner, assignedAt };
}

export function withoutStoreFields(record: AddressRecord): AddressRecord {
  const { _etag, id, ...rest } = record as Stored<AddressRecord>;
  void _etag;
  void id;
  return rest;
}
