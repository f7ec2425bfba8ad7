/**
 * The permission policy: who may do what, as pure functions. Chat, card actions and the HTTP API build a
 * Principal from what they know (ADMIN_IDS in chat, app roles in a token) and ask here; nothing else
 * decides permissions.
 */
import type { AddressRecord } from './addressRecords';
import { Approvable, isApprover } from './addressRequests';

/** Who acts, as every edge describes them. */
export interface Principal {
  /** Entra object id (lower case); for app-only API callers the client's id. */
  id: string;
  name: string;
  /** May change and read everything: ADMIN_IDS in chat, the app role Addresses.Admin in the API. */
  admin: boolean;
  /** May read every record and request (API role Addresses.Read). */
  reader: boolean;
  /** May take an address without approval (API role Addresses.Allocate). */
  allocator: boolean;
  /**
   * An automation client (an app-only token): it acts by its app roles alone. A person (chat, or the tab
   * with a delegated token) acts by the rules for people: admins from ADMIN_IDS, owners of their records.
   */
  app?: boolean;
}

export type Verdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: Verdict = { allowed: true };
const refuse = (reason: string): Verdict => ({ allowed: false, reason });

export function person(id: string, name: string, admin = false): Principal {
  return { id: id.toLowerCase(), name, admin, reader: admin, allocator: false };
}

/** What an /api/v1 route asks of its caller before the use case applies its own rules. */
export type ApiNeed =
  /** Look records and the pool up: every person (as `whois` and `pool` in chat), apps with Addresses.Read. */
  | 'look-up'
  /** Link, transfer, retire: people (the record's owner or an admin, checked per record), apps with Admin. */
  | 'change-records'
  /** Pool import and other admin work: admins (ADMIN_IDS) and apps with Addresses.Admin. */
  | 'administer'
  /** Anyone signed in; the use case decides (e.g. a request's requester and approvers). */
  | 'signed-in';

export function mayCallApi(p: Principal, need: ApiNeed): Verdict {
  const role = (name: string) => refuse(`This call needs the app role ${name}.`);
  switch (need) {
    case 'signed-in':
      return ALLOWED;
    case 'look-up':
      return p.admin || p.reader || !p.app ? ALLOWED : role('Addresses.Read');
    case 'change-records':
      return p.admin || !p.app ? ALLOWED : role('Addresses.Admin');
    case 'administer':
      if (p.admin) return ALLOWED;
      return p.app ? role('Addresses.Admin') : refuse('Only an admin (listed in ADMIN_IDS) can do this.');
  }
}

/** The owner of an address or an admin may link, transfer or retire it. */
export function mayChangeAddress(p: Principal, record: AddressRecord, ownerLabel: string): Verdict {
  if (p.admin || (record.owner && record.owner.id === p.id)) return ALLOWED;
  return refuse(`Only the owner of \`${record.address}\` (${ownerLabel}) or an admin can change it.`);
}

export function mayListAllAddresses(p: Principal): Verdict {
  return p.admin || p.reader ? ALLOWED : refuse('Only an admin can list all addresses. Try `list mine`.');
}

export function mayReadStatus(p: Principal): Verdict {
  return p.admin || p.reader
    ? ALLOWED
    : refuse('`status` is for admins (ADMIN_IDS). Try `pool` to see the address pool.');
}

export function maySetUpChannels(p: Principal): Verdict {
  return p.admin ? ALLOWED : refuse('Only an admin (listed in ADMIN_IDS) can set up channels.');
}

export function mayImportPool(p: Principal): Verdict {
  return p.admin ? ALLOWED : refuse('Only an admin can import aliases into the pool.');
}

/** Reconciliation with AWS Organizations on demand: admins (Addresses.Admin in the API). */
export function mayReconcile(p: Principal): Verdict {
  return p.admin
    ? ALLOWED
    : refuse('Only an admin (listed in ADMIN_IDS) can reconcile with AWS Organizations.');
}

/** Adopting an existing AWS account (its root e-mail moves to a managed address): admins. */
export function mayAdoptAccounts(p: Principal): Verdict {
  return p.admin
    ? ALLOWED
    : refuse(
        'Only an admin (listed in ADMIN_IDS) can adopt an AWS account; ask one to run `adopt <aws-account-id>`.',
      );
}

/** Undoing a retirement (`restore`): admins only, as the quarantine protects the next owner. */
export function mayRestoreAddresses(p: Principal): Verdict {
  return p.admin
    ? ALLOWED
    : refuse('Only an admin (listed in ADMIN_IDS) can restore a retired address; ask one to run `restore`.');
}

export function mayAllocateDirectly(p: Principal): boolean {
  return p.admin || p.allocator;
}

/** Requester, approvers, readers and admins see a request (or a root access); to anyone else it does not exist. */
export function mayReadRequest(p: Principal, request: Approvable): boolean {
  return p.admin || p.reader || request.requester.id === p.id || isApprover(request, p.id);
}

/**
 * History: admins and readers see everything; the owner sees an address's, the requester and approvers a
 * request's; mail history only on-call and admins.
 */
export function mayReadAudit(
  p: Principal,
  subject: { record?: AddressRecord; request?: Approvable; mail?: { onCall: boolean } },
): Verdict {
  if (p.admin || p.reader) return ALLOWED;
  if (subject.record?.owner?.id === p.id) return ALLOWED;
  if (subject.request && mayReadRequest(p, subject.request)) return ALLOWED;
  if (subject.mail?.onCall) return ALLOWED;
  return refuse(
    'Only an admin, or the owner of the address (for a request: its requester and approvers), can see its history.',
  );
}

/** Reveal and claim: members of the on-call team and admins. */
export function mayActOnMail(p: Principal, isOnCallMember: boolean): Verdict {
  return p.admin || isOnCallMember
    ? ALLOWED
    : refuse('Only on-call (members of the on-call team) can do this. Your attempt was recorded.');
}
