import type { AddressRecord, AddressState, Owner } from './addressRecords';
import { normalizeAddress } from './addressRules';
import { AwsAccount, AwsAccountState, ENDING_ACCOUNT_STATES } from './awsAccounts';
import type { RootFinding } from './rootPosture';

/**
 * Reconciliation: the registry against AWS Organizations, as pure rules. Given every account of the
 * organisation and every address record, it says which records to link to their account and what has
 * drifted. Root e-mails are compared case-insensitively. Maps keyed by address and by account id keep it
 * linear in accounts + records. The account list must be complete: on a partial list, do not reconcile.
 */

/** What reconciliation reads of an address record (the registry may hand over no more than this). */
export type RecordFacts = Pick<AddressRecord, 'address' | 'state' | 'awsAccountId' | 'owner' | 'assignedAt'>;

export interface ReconciliationInput {
  accounts: Iterable<AwsAccount>;
  records: Iterable<RecordFacts>;
  now: Date;
  /** RECONCILE_UNUSED_DAYS: an assigned address without an account for longer than this is reported. */
  unusedDays: number;
}

/** A record whose address is an account's root e-mail, assigned and not yet linked: link it. */
export interface AutoLink {
  address: string;
  accountId: string;
  accountName: string;
  accountState: AwsAccountState;
}

/**
 * What a card offers for a finding: Retire and Adopt are buttons, link means `link`, review means a person
 * looks, remove-root-credentials means removing a member account's root credentials.
 */
export type FindingSuggestion = 'retire' | 'adopt' | 'link' | 'review' | 'remove-root-credentials';

export interface FindingBase {
  /** What the finding is about, stable while it lasts (one finding per subject). */
  subject: string;
  /** Changes when the facts change: a finding is reported again only when this differs from last time. */
  fingerprint: string;
  suggestion: FindingSuggestion;
  /** One plain-text sentence for cards, status and the API. */
  summary: string;
}

export type DriftFinding =
  | (FindingBase & {
      /** The account is SUSPENDED, PENDING_CLOSURE or CLOSED while its address is still assigned. */
      kind: 'ended-account-still-assigned';
      address: string;
      owner?: Owner;
      accountId: string;
      accountName: string;
      accountState: AwsAccountState;
    })
  | (FindingBase & {
      /** Assigned for more than unusedDays, and no account has it as root e-mail. */
      kind: 'assigned-address-unused';
      address: string;
      owner?: Owner;
      assignedAt: string;
      daysAssigned: number;
    })
  | (FindingBase & {
      /** An active account whose root e-mail is not in the registry. */
      kind: 'account-not-in-registry';
      accountId: string;
      accountName: string;
      accountEmail: string;
      accountState: AwsAccountState;
      isManagementAccount: boolean;
    })
  | (FindingBase & {
      /** The registry and Organizations disagree on which account an address belongs to. */
      kind: 'account-id-mismatch';
      address: string;
      /** The account id the registry has for the address (undefined: the record is not linked yet). */
      registryAccountId?: string;
      organizationsAccountId: string;
      /** The root e-mail Organizations has for that account. */
      organizationsEmail: string;
    })
  | (FindingBase & {
      /** An account uses an address the registry has as free, quarantined or retired. */
      kind: 'unassigned-address-in-use';
      address: string;
      recordState: AddressState;
      accountId: string;
      accountName: string;
      accountState: AwsAccountState;
    })
  | (FindingBase & {
      /** An assigned address is linked to an account id the organisation does not have (left, or another organisation). */
      kind: 'linked-account-not-in-organization';
      address: string;
      owner?: Owner;
      registryAccountId: string;
    })
  | RootFinding;

export type FindingKind = DriftFinding['kind'];

export interface Reconciliation {
  autoLinks: AutoLink[];
  /** Sorted by kind, then subject, so the same input always gives the same list. */
  findings: DriftFinding[];
  counts: {
    accounts: number;
    records: number;
    /** Accounts the registry knows (by root e-mail or by linked id), auto-links included. */
    known: number;
  };
}

const DAY_MS = 86_400_000;
const LIVE_STATES: readonly AwsAccountState[] = ['ACTIVE', 'PENDING_ACTIVATION'];
const KIND_ORDER: readonly FindingKind[] = [
  'ended-account-still-assigned',
  'unassigned-address-in-use',
  'account-id-mismatch',
  'account-not-in-registry',
  'assigned-address-unused',
  'linked-account-not-in-organization',
];

export function reconcile(input: ReconciliationInput): Reconciliation {
  const recordsByAddress = new Map<string, RecordFacts>();
  const recordsByAccountId = new Map<string, RecordFacts>();
  let recordCount = 0;
  for (const record of input.records) {
    recordCount++;
    recordsByAddress.set(normalizeAddress(record.address), record);
    if (!record.awsAccountId) continue;
    const other = recordsByAccountId.get(record.awsAccountId);
    // An id may stay on retired records; the assigned one is the link that counts.
    if (!other || (other.state !== 'assigned' && record.state === 'assigned'))
      recordsByAccountId.set(record.awsAccountId, record);
  }

  const autoLinks: AutoLink[] = [];
  const findings: DriftFinding[] = [];
  const accountsById = new Map<string, AwsAccount>();
  const rootEmails = new Set<string>();
  let known = 0;

  for (const account of input.accounts) {
    accountsById.set(account.id, account);
    const email = normalizeAddress(account.email);
    rootEmails.add(email);
    const byEmail = recordsByAddress.get(email);
    const byId = recordsByAccountId.get(account.id);
    const linkedElsewhere = byId && byId !== byEmail && byId.state === 'assigned' ? byId : undefined;

    if (byEmail?.state === 'assigned') {
      known++;
      if (!byEmail.awsAccountId && !linkedElsewhere) {
        autoLinks.push({
          address: byEmail.address,
          accountId: account.id,
          accountName: account.name,
          accountState: account.state,
        });
      } else if (byEmail.awsAccountId !== account.id) {
        findings.push(mismatch(byEmail.address, byEmail.awsAccountId, account));
      }
      if (ENDING_ACCOUNT_STATES.includes(account.state)) findings.push(endedAccount(byEmail, account));
    } else if (byEmail) {
      known++;
      // Free aliases must not be handed out while an account (even a closed one) holds them; retired ones
      // must not return to the pool while a live account does.
      if (byEmail.state === 'available' || LIVE_STATES.includes(account.state))
        findings.push(unassignedInUse(byEmail, account));
    } else if (linkedElsewhere) {
      known++;
      // The registry links this account to an address that is no longer its root e-mail.
      findings.push(mismatch(linkedElsewhere.address, account.id, account));
      if (ENDING_ACCOUNT_STATES.includes(account.state))
        findings.push(endedAccount(linkedElsewhere, account));
    } else if (LIVE_STATES.includes(account.state)) {
      findings.push(notInRegistry(account));
    }
  }

  const unusedMs = input.unusedDays * DAY_MS;
  for (const record of recordsByAddress.values()) {
    if (record.state !== 'assigned') continue;
    const address = normalizeAddress(record.address);
    if (record.awsAccountId) {
      if (!accountsById.has(record.awsAccountId) && !rootEmails.has(address))
        findings.push(linkedNotInOrganization(record, record.awsAccountId));
      continue;
    }
    if (rootEmails.has(address) || !record.assignedAt) continue;
    const assignedFor = input.now.getTime() - Date.parse(record.assignedAt);
    if (assignedFor > unusedMs) findings.push(unused(record, Math.floor(assignedFor / DAY_MS)));
  }

  findings.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0),
  );
  return { autoLinks, findings, counts: { accounts: accountsById.size, records: recordCount, known } };
}

/**
 * The accounts an assigned record is linked to, this run's auto-links included: the member accounts whose
 * root users RootMail audits.
 */
export function linkedAccountIds(
  records: Iterable<RecordFacts>,
  autoLinks: readonly AutoLink[],
): Set<string> {
  const ids = new Set(autoLinks.map((l) => l.accountId));
  for (const r of records) if (r.state === 'assigned' && r.awsAccountId) ids.add(r.awsAccountId);
  return ids;
}

/**
 * Which findings to report now: new ones and those whose facts changed since `reported` (subject →
 * fingerprint of what was reported last), and the subjects that are resolved (reported, now gone).
 */
export function findingsToReport(
  reported: ReadonlyMap<string, string>,
  findings: readonly DriftFinding[],
): { report: DriftFinding[]; unchanged: DriftFinding[]; resolved: string[] } {
  const report: DriftFinding[] = [];
  const unchanged: DriftFinding[] = [];
  const current = new Set<string>();
  for (const finding of findings) {
    current.add(finding.subject);
    (reported.get(finding.subject) === finding.fingerprint ? unchanged : report).push(finding);
  }
  const resolved = [...reported.keys()].filter((subject) => !current.has(subject));
  return { report, unchanged, resolved };
}

/** Where an adoption of `account` starts, given the records for its root e-mail and for its id (if any). */
export type AdoptionStart =
  /** Its root e-mail is already one of ours, assigned and unlinked: simply link it. */
  | { kind: 'link'; address: string }
  /** Nothing to do: the registry already has it. */
  | { kind: 'already-linked'; address: string }
  /** Allocate an address through the usual request, then move the root e-mail to it. */
  | { kind: 'change-root-email' }
  | { kind: 'refused'; reason: string };

export function adoptionStart(
  account: AwsAccount,
  recordForEmail: AddressRecord | undefined,
  recordForAccount: AddressRecord | undefined,
): AdoptionStart {
  const linked = recordForAccount?.state === 'assigned' ? recordForAccount : undefined;
  if (recordForEmail?.state === 'assigned') {
    if (recordForEmail.awsAccountId === account.id)
      return { kind: 'already-linked', address: recordForEmail.address };
    if (!recordForEmail.awsAccountId && !linked) return { kind: 'link', address: recordForEmail.address };
    return {
      kind: 'refused',
      reason: `The registry and AWS Organizations disagree about account ${account.id} and ${recordForEmail.address}: fix the link first.`,
    };
  }
  if (linked)
    return {
      kind: 'refused',
      reason: `Account ${account.id} is already linked to ${linked.address}, which is no longer its root e-mail (AWS has ${account.email}): fix the link first.`,
    };
  if (recordForEmail)
    return {
      kind: 'refused',
      reason: `Account ${account.id} uses ${recordForEmail.address}, which the registry has as ${recordForEmail.state}: link it instead.`,
    };
  if (account.isManagementAccount)
    return {
      kind: 'refused',
      reason: `Account ${account.id} is the organisation's management account: AWS does not change its root e-mail through the API. Change it as its root user, then link it.`,
    };
  if (account.state !== 'ACTIVE')
    return {
      kind: 'refused',
      reason: `Account ${account.id} is ${account.state}: only an ACTIVE account's root e-mail can be changed.`,
    };
  return { kind: 'change-root-email' };
}

// ---- the findings ----

function label(account: AwsAccount): string {
  return account.name ? `${account.id} (${account.name})` : account.id;
}

function ownerText(owner: Owner | undefined): string {
  return owner ? ` (owner ${owner.name ?? owner.upn ?? owner.id})` : '';
}

function endedAccount(record: RecordFacts, account: AwsAccount): DriftFinding {
  return {
    kind: 'ended-account-still-assigned',
    subject: `ended-account-still-assigned:${account.id}`,
    fingerprint: fingerprintOf(['ended', account.id, account.state, normalizeAddress(record.address)]),
    suggestion: 'retire',
    summary: `Account ${label(account)} is ${account.state}, but its address ${record.address} is still assigned${ownerText(record.owner)}: retire the address.`,
    address: record.address,
    owner: record.owner,
    accountId: account.id,
    accountName: account.name,
    accountState: account.state,
  };
}

function unused(record: RecordFacts, days: number): DriftFinding {
  return {
    kind: 'assigned-address-unused',
    subject: `assigned-address-unused:${normalizeAddress(record.address)}`,
    fingerprint: fingerprintOf([
      'unused',
      normalizeAddress(record.address),
      record.assignedAt ?? '',
      record.owner?.id ?? '',
    ]),
    suggestion: 'review',
    summary: `${record.address} was assigned ${days} days ago${ownerText(record.owner)}, and no AWS account in the organisation uses it: create the account, or retire the address.`,
    address: record.address,
    owner: record.owner,
    assignedAt: record.assignedAt!,
    daysAssigned: days,
  };
}

function notInRegistry(account: AwsAccount): DriftFinding {
  return {
    kind: 'account-not-in-registry',
    subject: `account-not-in-registry:${account.id}`,
    fingerprint: fingerprintOf(['unregistered', account.id, normalizeAddress(account.email), account.state]),
    suggestion: account.isManagementAccount || account.state !== 'ACTIVE' ? 'review' : 'adopt',
    summary: account.isManagementAccount
      ? `The management account ${label(account)} has the root e-mail ${account.email}, which is not in the registry; AWS does not change it through the API, so change it as its root user and link it.`
      : account.state !== 'ACTIVE'
        ? `Account ${label(account)} (${account.state}) has the root e-mail ${account.email}, which is not in the registry: adopt it once it is ACTIVE.`
        : `Account ${label(account)} has the root e-mail ${account.email}, which is not in the registry: adopt it to move it onto a managed address.`,
    accountId: account.id,
    accountName: account.name,
    accountEmail: account.email,
    accountState: account.state,
    isManagementAccount: account.isManagementAccount,
  };
}

function mismatch(address: string, registryAccountId: string | undefined, account: AwsAccount): DriftFinding {
  const sameAddress = normalizeAddress(account.email) === normalizeAddress(address);
  return {
    kind: 'account-id-mismatch',
    subject: `account-id-mismatch:${normalizeAddress(address)}:${account.id}`,
    fingerprint: fingerprintOf([
      'mismatch',
      normalizeAddress(address),
      registryAccountId ?? '',
      account.id,
      normalizeAddress(account.email),
    ]),
    suggestion: 'review',
    summary: sameAddress
      ? registryAccountId
        ? `The registry links ${address} to account ${registryAccountId}, but in AWS Organizations it is the root e-mail of account ${label(account)}: correct the link.`
        : `${address} is the root e-mail of account ${label(account)}, but that account is already linked to another address in the registry: correct the links.`
      : `The registry links ${address} to account ${label(account)}, but that account's root e-mail is now ${account.email}: correct the link, or adopt the account again.`,
    address,
    registryAccountId,
    organizationsAccountId: account.id,
    organizationsEmail: account.email,
  };
}

function unassignedInUse(record: RecordFacts, account: AwsAccount): DriftFinding {
  const ended = !LIVE_STATES.includes(account.state);
  return {
    kind: 'unassigned-address-in-use',
    subject: `unassigned-address-in-use:${normalizeAddress(record.address)}`,
    fingerprint: fingerprintOf([
      'in-use',
      normalizeAddress(record.address),
      record.state,
      account.id,
      account.state,
    ]),
    suggestion: ended ? 'retire' : 'link',
    summary: ended
      ? `${record.address} is ${record.state} in the registry, but it is still the root e-mail of ${account.state} account ${label(account)}: retire it so it stays out of the pool.`
      : `${record.address} is ${record.state} in the registry, but it is the root e-mail of account ${label(account)}: link it so nobody else is given it.`,
    address: record.address,
    recordState: record.state,
    accountId: account.id,
    accountName: account.name,
    accountState: account.state,
  };
}

function linkedNotInOrganization(record: RecordFacts, accountId: string): DriftFinding {
  return {
    kind: 'linked-account-not-in-organization',
    subject: `linked-account-not-in-organization:${normalizeAddress(record.address)}`,
    fingerprint: fingerprintOf(['not-in-org', normalizeAddress(record.address), accountId]),
    suggestion: 'review',
    summary: `${record.address} is linked to account ${accountId}${ownerText(record.owner)}, which is not in the organisation (it left, or belongs to another organisation): check the id.`,
    address: record.address,
    owner: record.owner,
    registryAccountId: accountId,
  };
}

/** A short stable hash of the facts (two FNV-1a passes, 64 bits as hex); safe as part of a document id. */
export function fingerprintOf(parts: readonly string[]): string {
  const text = parts.join('\u0000');
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    b = (b ^ (b >>> 15)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
