import type { AppConfig } from '../config';

import {
  AddressConflictError,
  AddressError,
  InvalidAddressInputError,
  NotAllowedError,
  PoolExhaustedError,
  UnknownAddressError,
} from '../domain/addressErrors';
import type { AddressHistoryEntry, AddressRecord, Owner } from '../domain/addressRecords';
import {
  POOL_BUCKETS,
  accountNameProblem,
  awsAccountIdProblem,
  normalizeAccountName,
  normalizeAddress,
  plusAddressFor,
  quarantineEnd,
  rootEmailProblem,
} from '../domain/addressRules';
import type { Logger } from '../log/logger';
import type { Clock } from '../ports/clock';
import {
  AlreadyExistsError,
  ConflictError,
  DocumentStore,
  NotFoundError,
  Stored,
} from '../ports/documentStore';
import type { AuditLog } from './auditLog';
import type { PoolBuckets } from './poolBuckets';

/** Who asks for a change. Admins (ADMIN_IDS, or the API role Addresses.Admin) may change any record. */
export interface AddressActor {
  id: string;
  name?: string;
  admin?: boolean;
}

export interface AllocateInput {
  accountName: string;
  owner: Owner;
  purpose?: string;
  requestId?: string;
  actor: AddressActor;
}

export interface AddressServiceDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  settings: AppConfig['addresses'];
  /** Which aliases hash to which bucket, for sampling by point reads. */
  buckets: PoolBuckets;
  /** Runs after every allocation (the pool's low-level alert); its failures are logged, never thrown. */
  afterAllocation?: () => Promise<void>;
  random?: () => number;
}

const SAMPLES_PER_BUCKET = 6;
const MAX_SAMPLES = 24;
const MAX_BUCKETS_VISITED = 8;
const MAX_FALLBACK_ATTEMPTS = 50;
const MAX_HISTORY = 50;

/**
 * The address records: allocation, lookups and the changes owners and admins make. Every write is
 * create-if-absent or a replace with the etag just read, so concurrent callers never share an address.
 */
export class AddressService {
  private readonly random: () => number;

  constructor(private readonly deps: AddressServiceDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Hands out a new address for an AWS account; throws PoolExhaustedError or an InvalidAddressInputError. */
  async allocate(input: AllocateInput): Promise<AddressRecord> {
    const nameProblem = accountNameProblem(input.accountName);
    if (nameProblem) throw new InvalidAddressInputError(nameProblem);
    if (!input.owner?.id?.trim())
      throw new InvalidAddressInputError('Say who owns the address: an Entra object id or UPN.');
    const owner = normalizeOwner(input.owner);
    const accountName = normalizeAccountName(input.accountName);
    const record =
      this.deps.settings.strategy === 'plus'
        ? await this.allocatePlus({ ...input, owner, accountName })
        : await this.allocateFromPool({ ...input, owner, accountName });
    await this.deps.audit.record({
      subject: record.address,
      action: 'address.allocated',
      actorId: input.actor.id,
      actorName: input.actor.name,
      after: snapshot(record),
      detail: input.requestId ? `request ${input.requestId}` : undefined,
    });
    if (input.requestId) {
      await this.deps.audit.record({
        subject: input.requestId,
        action: 'address.allocated',
        actorId: input.actor.id,
        actorName: input.actor.name,
        after: snapshot(record),
      });
    }
    if (this.deps.afterAllocation) {
      await this.deps.afterAllocation().catch((err) => {
        this.deps.logger.error({ err }, 'pool level check after an allocation failed');
      });
    }
    return withoutStoreFields(record);
  }

  private async allocatePlus(input: AllocateInput): Promise<Stored<AddressRecord>> {
    const base = this.deps.settings.plusAddress;
    if (!base) throw new AddressError('PLUS_ADDRESS is not set, so no plus address can be made.');
    const { address, problem } = plusAddressFor(base, input.accountName);
    if (!address) throw new InvalidAddressInputError(problem!);
    const now = this.deps.clock.now().toISOString();
    const record: AddressRecord = {
      ...assignment(input, now),
      address,
      mailbox: base,
      strategy: 'plus',
      createdAt: now,
      history: [historyEntry(now, input.actor, 'allocated', input.requestId)],
    };
    try {
      return await this.deps.store.create('addresses', address, record);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      throw new AddressConflictError(
        `\`${address}\` was handed out before, and a plus address is never reused: pick another account name.`,
      );
    }
  }

  /**
   * Samples aliases at random, bucket by bucket, and claims the first free one by replacing its record with
   * the etag just read; concurrent callers mostly look at different aliases. When sampling keeps missing
   * (a nearly empty pool), a query decides, so "pool exhausted" is only said when nothing is free.
   */
  private async allocateFromPool(input: AllocateInput): Promise<Stored<AddressRecord>> {
    let sampled = 0;
    let bucket = Math.floor(this.random() * POOL_BUCKETS);
    for (
      let step = 0;
      step < MAX_BUCKETS_VISITED && sampled < MAX_SAMPLES;
      step++, bucket = (bucket + 1) % POOL_BUCKETS
    ) {
      const aliases = await this.deps.buckets.aliasesIn(bucket);
      for (const address of this.sample(aliases, SAMPLES_PER_BUCKET)) {
        sampled++;
        const claimed = await this.claim(address, input);
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
      const claimed = await this.claim(
        candidates[Math.floor(this.random() * candidates.length)].address,
        input,
      );
      if (claimed) return claimed;
    }
    throw new AddressConflictError('Too many people are asking for addresses at the same moment; try again.');
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
  private async claim(address: string, input: AllocateInput): Promise<Stored<AddressRecord> | undefined> {
    const current = await this.deps.store.get<AddressRecord>('addresses', address);
    if (current?.state !== 'available' || current.strategy !== 'pool') return undefined;
    const now = this.deps.clock.now().toISOString();
    const next: AddressRecord = {
      ...withoutStoreFields(current),
      ...assignment(input, now),
      history: trimHistory([
        ...(current.history ?? []),
        historyEntry(now, input.actor, 'allocated', input.requestId),
      ]),
    };
    try {
      return await this.deps.store.replace('addresses', address, next, current._etag);
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async get(addressInput: string): Promise<AddressRecord | undefined> {
    const stored = await this.deps.store.get<AddressRecord>('addresses', checkedAddress(addressInput));
    return stored && withoutStoreFields(stored);
  }

  /** Point reads only: the unique key `aws:<id>`, then the address it names (checked, keys can be stale). */
  async byAwsAccountId(idInput: string): Promise<AddressRecord | undefined> {
    const id = checkedAccountId(idInput);
    const key = await this.deps.store.get<{ address: string }>('addressKeys', `aws:${id}`);
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

  async linkAwsAccount(addressInput: string, idInput: string, actor: AddressActor): Promise<AddressRecord> {
    const address = checkedAddress(addressInput);
    const id = checkedAccountId(idInput);
    const current = await this.requireStored(address);
    assertMayChange(current, actor);
    if (current.state !== 'assigned')
      throw new AddressConflictError(
        `\`${address}\` is ${current.state}; only an assigned address can be linked.`,
      );
    if (current.awsAccountId === id) return withoutStoreFields(current);

    const key = `aws:${id}`;
    const keyDoc = { address, at: this.deps.clock.now().toISOString() };
    let undoKey: () => Promise<void>;
    try {
      await this.deps.store.create('addressKeys', key, keyDoc);
      undoKey = () => this.deps.store.delete('addressKeys', key);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      undoKey = await this.takeOverStaleKey(key, id, address, keyDoc);
    }

    const now = this.deps.clock.now().toISOString();
    const next: AddressRecord = {
      ...withoutStoreFields(current),
      awsAccountId: id,
      history: trimHistory([...current.history, historyEntry(now, actor, 'linked', `AWS account ${id}`)]),
    };
    let updated: Stored<AddressRecord>;
    try {
      updated = await this.deps.store.replace('addresses', address, next, current._etag);
    } catch (err) {
      await undoKey().catch((undoErr) =>
        this.deps.logger.error({ err: undoErr, key }, 'could not undo an account-id key; lookups ignore it'),
      );
      if (err instanceof ConflictError)
        throw new AddressConflictError(
          `\`${address}\` was changed by someone else at the same moment; nothing was changed, please try again.`,
        );
      throw err;
    }
    if (current.awsAccountId) {
      // The old key now points at a record that no longer holds it; lookups check, so a failure is harmless.
      await this.deps.store.delete('addressKeys', `aws:${current.awsAccountId}`).catch(() => undefined);
    }
    await this.recordChange(address, 'address.linked', actor, current, updated);
    return withoutStoreFields(updated);
  }

  /** The key exists: refuse when it is really held by another address, else take it over by its etag. */
  private async takeOverStaleKey(
    key: string,
    id: string,
    address: string,
    keyDoc: { address: string; at: string },
  ): Promise<() => Promise<void>> {
    const existing = await this.deps.store.get<{ address: string; at: string }>('addressKeys', key);
    if (!existing)
      throw new AddressConflictError('The account id was changing at the same moment; try again.');
    if (existing.address !== address) {
      const holder = await this.deps.store.get<AddressRecord>('addresses', existing.address);
      if (holder?.awsAccountId === id)
        throw new AddressConflictError(
          `AWS account ${id} is already linked to \`${holder.address}\`; one AWS account has one root address. Check the id, or retire that address first.`,
        );
    }
    try {
      const taken = await this.deps.store.replace('addressKeys', key, keyDoc, existing._etag);
      const previous = { address: existing.address, at: existing.at };
      return async () => {
        await this.deps.store.replace('addressKeys', key, previous, taken._etag);
      };
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError)
        throw new AddressConflictError('The account id was changing at the same moment; try again.');
      throw err;
    }
  }

  async transfer(addressInput: string, newOwner: Owner, actor: AddressActor): Promise<AddressRecord> {
    const owner = normalizeOwner(newOwner);
    return this.change(addressInput, actor, 'address.transferred', (current, now) => {
      if (current.state !== 'assigned')
        throw new AddressConflictError(
          `\`${current.address}\` is ${current.state}; only an assigned address can be transferred.`,
        );
      if (current.owner?.id === owner.id)
        throw new AddressConflictError(`${describeOwner(owner)} already owns \`${current.address}\`.`);
      return {
        ...current,
        owner,
        history: trimHistory([
          ...current.history,
          historyEntry(
            now,
            actor,
            'transferred',
            `from ${describeOwner(current.owner)} to ${describeOwner(owner)}`,
          ),
        ]),
      };
    });
  }

  /** Pool aliases go to quarantine for QUARANTINE_DAYS; plus addresses are retired for good. */
  async retire(
    addressInput: string,
    reason: string | undefined,
    actor: AddressActor,
  ): Promise<AddressRecord> {
    return this.change(addressInput, actor, 'address.retired', (current, now) => {
      if (current.state === 'quarantined' || current.state === 'retired')
        throw new AddressConflictError(
          `\`${current.address}\` was already retired${current.retiredAt ? ` on ${current.retiredAt.slice(0, 10)}` : ''}` +
            (current.quarantineUntil
              ? `; it stays in quarantine until ${current.quarantineUntil.slice(0, 10)}.`
              : '.'),
        );
      if (current.state !== 'assigned')
        throw new AddressConflictError(
          `\`${current.address}\` is not assigned to anyone, so there is nothing to retire.`,
        );
      const pool = current.strategy === 'pool';
      return {
        ...current,
        state: pool ? 'quarantined' : 'retired',
        retiredAt: now,
        quarantineUntil: pool
          ? quarantineEnd(new Date(now), this.deps.settings.quarantineDays).toISOString()
          : undefined,
        history: trimHistory([...current.history, historyEntry(now, actor, 'retired', reason)]),
      };
    });
  }

  /** The background job: quarantined pool aliases whose time is up go back to `available`. */
  async returnExpiredQuarantine(): Promise<number> {
    const now = this.deps.clock.now();
    const quarantined = await this.deps.store.query<AddressRecord>('addresses', { state: 'quarantined' });
    let returned = 0;
    for (const record of quarantined) {
      if (!record.quarantineUntil || new Date(record.quarantineUntil) > now) continue;
      const at = now.toISOString();
      const released: AddressRecord = {
        address: record.address,
        mailbox: record.mailbox,
        strategy: record.strategy,
        state: 'available',
        bucket: record.bucket,
        createdAt: record.createdAt,
        history: trimHistory([
          ...record.history,
          historyEntry(at, { id: 'system' }, 'returned to pool', 'quarantine ended'),
        ]),
      };
      try {
        await this.deps.store.replace('addresses', record.address, released, record._etag);
      } catch (err) {
        if (err instanceof ConflictError || err instanceof NotFoundError) continue; // changed meanwhile
        throw err;
      }
      returned++;
      await this.recordChange(record.address, 'address.returned-to-pool', { id: 'system' }, record, released);
    }
    return returned;
  }

  private async requireStored(address: string): Promise<Stored<AddressRecord>> {
    const found = await this.deps.store.get<AddressRecord>('addresses', address);
    if (!found)
      throw new UnknownAddressError(
        `I don't know \`${address}\`: check the spelling, or use \`whois\` to search.`,
      );
    return found;
  }

  /** Read, decide, replace with the etag read; on a conflict read again and decide again. */
  private async change(
    addressInput: string,
    actor: AddressActor,
    action: string,
    decide: (current: AddressRecord, now: string) => AddressRecord,
  ): Promise<AddressRecord> {
    const address = checkedAddress(addressInput);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.requireStored(address);
      assertMayChange(current, actor);
      const next = decide(withoutStoreFields(current), this.deps.clock.now().toISOString());
      try {
        const updated = await this.deps.store.replace('addresses', address, next, current._etag);
        await this.recordChange(address, action, actor, current, updated);
        return withoutStoreFields(updated);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new AddressConflictError(
      `\`${address}\` keeps changing under us; nothing was changed, please try again.`,
    );
  }

  private async recordChange(
    subject: string,
    action: string,
    actor: AddressActor,
    before: AddressRecord,
    after: AddressRecord,
  ): Promise<void> {
    await this.deps.audit.record({
      subject,
      action,
      actorId: actor.id,
      actorName: actor.name,
      before: snapshot(before),
      after: snapshot(after),
    });
  }
}

function assignment(input: AllocateInput, now: string) {
  return {
    state: 'assigned' as const,
    accountName: input.accountName,
    owner: input.owner,
    purpose: input.purpose?.trim().slice(0, 500) || undefined,
    requestId: input.requestId,
    assignedAt: now,
  };
}

function assertMayChange(record: AddressRecord, actor: AddressActor): void {
  if (actor.admin || (record.owner && record.owner.id === actor.id.toLowerCase())) return;
  throw new NotAllowedError(
    `Only the owner of \`${record.address}\` (${describeOwner(record.owner)}) or an admin can change it.`,
  );
}

export function describeOwner(owner: Owner | undefined): string {
  if (!owner) return 'nobody';
  return owner.name && owner.upn ? `${owner.name} <${owner.upn}>` : (owner.upn ?? owner.name ?? owner.id);
}

function normalizeOwner(owner: Owner): Owner {
  return {
    id: owner.id.trim().toLowerCase(),
    upn: owner.upn?.trim().toLowerCase() || undefined,
    name: owner.name?.trim() || undefined,
  };
}

function checkedAddress(input: string): string {
  const address = normalizeAddress(input ?? '');
  const problem = rootEmailProblem(address);
  if (problem) throw new InvalidAddressInputError(problem);
  return address;
}

function checkedAccountId(input: string): string {
  const problem = awsAccountIdProblem(input ?? '');
  if (problem) throw new InvalidAddressInputError(problem);
  return input.trim();
}

function historyEntry(at: string, actor: AddressActor, action: string, detail?: string): AddressHistoryEntry {
  return { at, by: actor.id, action, ...(detail ? { detail } : {}) };
}

function trimHistory(history: AddressHistoryEntry[]): AddressHistoryEntry[] {
  return history.slice(-MAX_HISTORY);
}

/** What an audit event keeps of a record: the fields a reviewer asks about, not the whole history. */
function snapshot(record: AddressRecord) {
  return {
    state: record.state,
    accountName: record.accountName,
    awsAccountId: record.awsAccountId,
    owner: record.owner,
    quarantineUntil: record.quarantineUntil,
  };
}

export function withoutStoreFields(record: AddressRecord): AddressRecord {
  const { _etag, id, ...rest } = record as Stored<AddressRecord>;
  void _etag;
  void id;
  return rest;
}
