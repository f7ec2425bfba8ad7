import type { MailClass } from '../../domain/mailClassification';
import type { Owner } from '../../domain/addressRecords';
import type { PostedMessage } from '../../ports/chat';

/**
 * Storage layout of the relay (container → id):
 *   mails   → sha-256 of the Internet Message-ID (MailRecord; created if absent: the exactly-once guard)
 *   secrets → same id (SecretRecord; deleted when it expires, `ttl` for Cosmos DB as a backstop)
 * The secret lives only in `secrets`, never in `mails`, cards, audit or logs.
 */
export type MailSource = 'graph' | 'inject' | 'smtp';

export interface MailRecord {
  mailId: string;
  /** processing: taken by one instance; posted / ignored: done. */
  state: 'processing' | 'posted' | 'ignored' | 'no-channel';
  startedAt: string;
  source: MailSource;
  mailClass?: MailClass;
  authenticity?: 'trusted' | 'suspicious';
  reasons?: string[];
  forwarded?: boolean;
  from?: string;
  receivedAt?: string;
  /** The address the mail was for, when it is one of ours. */
  address?: string;
  recipients?: string[];
  accountName?: string;
  awsAccountId?: string;
  owner?: Owner;
  secretType?: 'code' | 'link';
  /** live → expired; none when there was nothing to keep. */
  secretState?: 'live' | 'expired' | 'none';
  expiresAt?: string;
  posted?: PostedMessage;
  claimedBy?: { id: string; name: string; at: string };
}

export interface SecretRecord {
  mailId: string;
  type: 'code' | 'link';
  value: string;
  expiresAt: string;
  /** Seconds; Cosmos DB deletes the document after this even if the purge job never runs. */
  ttl: number;
}
