/**
 * The life of one address record as pure rules: assigning a free alias, linking the AWS account id,
 * transferring, retiring into quarantine and returning to the pool. Each takes the current record and
 * answers the next one (or throws an AddressError saying why not); storing it is the caller's job.
 */
import { AddressConflictError, InvalidAddressInputError } from './addressErrors';
import type { AddressHistoryEntry, AddressRecord, Owner } from './addressRecords';
import { awsAccountIdProblem, normalizeAddress, quarantineEnd, rootEmailProblem } from './addressRules';

/** Who made a change, as the history records it. */
export interface ChangeActor {
  id: string;
  name?: string;
}

export interface Assignment {
  accountName: string;
  owner: Owner;
  purpose?: string;
  requestId?: string;
}

export const MAX_HISTORY = 50;
export const SYSTEM_ACTOR: ChangeActor = { id: 'system', name: 'RootMail' };

export function describeOwner(owner: Owner | undefined): string {
  if (!owner) return 'nobody';
  return owner.name && owner.upn ? `${owner.name} <${owner.upn}>` : (owner.upn ?? owner.name ?? owner.id);
}

export function normalizeOwner(owner: Owner): Owner {
  return {
    id: owner.id.trim().toLowerCase(),
    upn: owner.upn?.trim().toLowerCase() || undefined,
    name: owner.name?.trim() || undefined,
  };
}

/** A well-formed root address in its stored form, or an error saying what to fix. */
export function checkedAddress(input: string): string {
  const address = normalizeAddress(input ?? '');
  const problem = rootEmailProblem(address);
  if (problem) throw new InvalidAddressInputError(problem);
  return address;
}

export function checkedAccountId(input: string): string {
  const problem = awsAccountIdProblem(input ?? '');
  if (problem) throw new InvalidAddressInputError(problem);
  return input.trim();
}

function entry(at: string, actor: ChangeActor, action: string, detail?: string): AddressHistoryEntry {
  return { at, by: actor.id, action, ...(detail ? { detail } : {}) };
}

function withEntry(record: AddressRecord, e: AddressHistoryEntry): AddressRecord {
  return { ...record, history: [...(record.history ?? []), e].slice(-MAX_HISTORY) };
}

/** The search key kept beside the owner (see AddressRecord.ownerNameKey). */
export function ownerNameKey(owner: Owner | undefined): string | undefined {
  return owner?.name?.trim().toLowerCase() || undefined;
}

function assignedFields(a: Assignment, now: string) {
  return {
    state: 'assigned' as const,
    accountName: a.accountName,
    owner: a.owner,
    ownerNameKey: ownerNameKey(a.owner),
    purpose: a.purpose?.trim().slice(0, 500) || undefined,
    requestId: a.requestId,
    assignedAt: now,
  };
}

/** A free pool alias handed to an owner; undefined when it is not free (someone was faster). */
export function claimFromPool(
  current: AddressRecord,
  assignment: Assignment,
  actor: ChangeActor,
  now: string,
): AddressRecord | undefined {
  if (current.state !== 'available' || current.strategy !== 'pool') return undefined;
  return withEntry(
    { ...current, ...assignedFields(assignment, now) },
    entry(now, actor, 'allocated', assignment.requestId),
  );
}

/** A plus address is a new record, created once and never reused. */
export function newPlusRecord(
  address: string,
  base: string,
  assignment: Assignment,
  actor: ChangeActor,
  now: string,
): AddressRecord {
  return {
    ...assignedFields(assignment, now),
    address,
    mailbox: base,
    strategy: 'plus',
    createdAt: now,
    history: [entry(now, actor, 'allocated', assignment.requestId)],
  };
}

/** Links the AWS account id; `undefined` when it already is (nothing to change). */
export function link(
  current: AddressRecord,
  awsAccountId: string,
  actor: ChangeActor,
  now: string,
): AddressRecord | undefined {
  if (current.state !== 'assigned')
    throw new AddressConflictError(
      `\`${current.address}\` is ${current.state}; only an assigned address can be linked.`,
    );
  if (current.awsAccountId === awsAccountId) return undefined;
  return withEntry({ ...current, awsAccountId }, entry(now, actor, 'linked', `AWS account ${awsAccountId}`));
}

export function transfer(
  current: AddressRecord,
  newOwner: Owner,
  actor: ChangeActor,
  now: string,
): AddressRecord {
  if (current.state !== 'assigned')
    throw new AddressConflictError(
      `\`${current.address}\` is ${current.state}; only an assigned address can be transferred.`,
    );
  if (current.owner?.id === newOwner.id)
    throw new AddressConflictError(`${describeOwner(newOwner)} already owns \`${current.address}\`.`);
  return withEntry(
    { ...current, owner: newOwner, ownerNameKey: ownerNameKey(newOwner) },
    entry(now, actor, 'transferred', `from ${describeOwner(current.owner)} to ${describeOwner(newOwner)}`),
  );
}

/** Pool aliases go to quarantine for `quarantineDays` (AWS keeps closed accounts ~90 days); plus addresses retire for good. */
export function retire(
  current: AddressRecord,
  reason: string | undefined,
  actor: ChangeActor,
  now: string,
  quarantineDays: number,
): AddressRecord {
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
  return withEntry(
    {
      ...current,
      state: pool ? 'quarantined' : 'retired',
      retiredAt: now,
      quarantineUntil: pool ? quarantineEnd(new Date(now), quarantineDays).toISOString() : undefined,
    },
    entry(now, actor, 'retired', reason?.slice(0, 200)),
  );
}

/** A quarantined alias whose time is up, back in the pool with nothing of its last owner; else undefined. */
export function releaseFromQuarantine(record: AddressRecord, now: Date): AddressRecord | undefined {
  if (record.state !== 'quarantined' || !record.quarantineUntil) return undefined;
  if (new Date(record.quarantineUntil) > now) return undefined;
  return withEntry(
    {
      address: record.address,
      mailbox: record.mailbox,
      strategy: record.strategy,
      state: 'available',
      bucket: record.bucket,
      createdAt: record.createdAt,
      history: record.history,
    },
    entry(now.toISOString(), SYSTEM_ACTOR, 'returned to pool', 'quarantine ended'),
  );
}

/**
 * Back to its last owner while it is still in quarantine (an admin undoing a retirement): assigned again
 * with the account name, owner and AWS account it had.
 */
export function restore(current: AddressRecord, actor: ChangeActor, now: string): AddressRecord {
  if (current.state !== 'quarantined')
    throw new AddressConflictError(
      current.state === 'assigned'
        ? `\`${current.address}\` is assigned to ${describeOwner(current.owner)}; there is nothing to restore.`
        : `\`${current.address}\` is ${current.state}; only an address in quarantine can be restored.`,
    );
  if (!current.owner)
    throw new AddressConflictError(`\`${current.address}\` has no last owner to give it back to.`);
  return withEntry(
    { ...current, state: 'assigned', retiredAt: undefined, quarantineUntil: undefined },
    entry(now, actor, 'restored', `to ${describeOwner(current.owner)}`),
  );
}

/** What an audit event keeps of a record: the fields a reviewer asks about, not the whole history. */
export function snapshot(record: AddressRecord) {
  return {
    state: record.state,
    accountName: record.accountName,
    awsAccountId: record.awsAccountId,
    owner: record.owner,
    quarantineUntil: record.quarantineUntil,
  };
}
