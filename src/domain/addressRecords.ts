/**
 * The records at the heart of the product, shared by the address, request and mail-relay features.
 * Storage layout (container → id):
 *   mailboxes   → mailbox address, lower case            (MailboxRecord)
 *   addresses   → the address, lower case                 (AddressRecord)
 *   addressKeys → `aws:<12-digit account id>` etc.        (unique secondary keys, created if absent)
 */

export type AddressState = 'available' | 'assigned' | 'quarantined' | 'retired';
export type AddressStrategyKind = 'pool' | 'plus';

export interface Owner {
  /** Entra object id, lower case. */
  id: string;
  upn?: string;
  name?: string;
}

export interface MailboxRecord {
  /** The shared mailbox's primary address, lower case. */
  address: string;
  displayName: string;
  /** Aliases this mailbox may carry: default 300, never above 333 (Exchange's practical cap). */
  capacity: number;
  /** Central mailbox it forwards to. */
  forwardsTo?: string;
  createdAt: string;
}

export interface AddressHistoryEntry {
  at: string;
  by: string;
  action: string;
  detail?: string;
}

export interface AddressRecord {
  /** The address itself, lower case; also the document id. */
  address: string;
  /** The shared mailbox that carries this alias (pool) or the plus base address (plus). */
  mailbox: string;
  strategy: AddressStrategyKind;
  state: AddressState;
  accountName?: string;
  /** 12-digit AWS account id once linked. */
  awsAccountId?: string;
  owner?: Owner;
  /** The owner's display name in lower case, kept beside `owner` so that search can match a prefix of it. */
  ownerNameKey?: string;
  purpose?: string;
  /** The request that produced it. */
  requestId?: string;
  assignedAt?: string;
  retiredAt?: string;
  /** Until when a retired pool alias stays out of the pool. */
  quarantineUntil?: string;
  /** Pool aliases only: a stable spread (0..POOL_BUCKETS-1) so concurrent allocations pick apart. */
  bucket?: number;
  createdAt?: string;
  history: AddressHistoryEntry[];
}
