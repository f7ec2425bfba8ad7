import type { MailClass } from '../../domain/mailClassification';
import type { Owner } from '../../domain/addressRecords';
import type { PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';

/**
 * Storage layout of the relay (container → id):
 *   mails   → sha-256 of the Internet Message-ID (MailRecord; created if absent: the exactly-once guard)
 *   secrets → same id (SecretRecord; deleted when it expires, `ttl` for Cosmos DB as a backstop)
 * The secret lives only in `secrets`, never in `mails`, cards, audit or logs. MailRecords is the only code
 * that reads or writes either container.
 */
export type MailSource = 'graph' | 'inject' | 'smtp';

export interface MailRecord {
  mailId: string;
  /**
   * processing: taken by one instance; posted / ignored: done; no-channel: kept until on-call exists;
   * handed-over: a root-e-mail-change code an adoption took (never posted, the code never stored).
   */
  state: 'processing' | 'posted' | 'ignored' | 'no-channel' | 'handed-over';
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

const MAIL_ID = /^[0-9a-f]{64}$/;

/** A mail another instance started longer ago than this is taken over (it crashed mid-way). */
const TAKEOVER_AFTER_MS = 5 * 60_000;

/** A mail record with the etag of the version this holder read or wrote. */
export type HeldMail = Stored<MailRecord>;

export class MailRecords {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(mailId: string): Promise<HeldMail | undefined> {
    return MAIL_ID.test(mailId) ? this.store.get<MailRecord>('mails', mailId) : undefined;
  }

  /**
   * The exactly-once guard: create-if-absent on the mail id. A mail abandoned mid-way (crashed, or kept
   * while no on-call channel existed) is taken over by etag; undefined when someone else has it.
   */
  async claim(mailId: string, source: MailSource): Promise<HeldMail | undefined> {
    const fresh: MailRecord = {
      mailId,
      state: 'processing',
      startedAt: this.clock.now().toISOString(),
      source,
    };
    const created = await writeIfUnchanged(this.store, 'mails', mailId, undefined, fresh);
    if (created) return created;
    const existing = await this.store.get<MailRecord>('mails', mailId);
    if (!existing || !isAbandoned(existing, this.clock.now())) return undefined;
    return writeIfUnchanged(this.store, 'mails', mailId, existing, fresh);
  }

  /** Writes the next version over the one held; undefined when it changed meanwhile. */
  save(held: HeldMail, next: MailRecord): Promise<HeldMail | undefined> {
    return writeIfUnchanged(this.store, 'mails', held.mailId, held, next);
  }

  /** Applies `change` to the latest version (re-read on conflict); undefined from `change` leaves it. */
  async change(mailId: string, change: (current: MailRecord) => MailRecord | undefined) {
    return changeDocument<MailRecord>(
      this.store,
      'mails',
      mailId,
      (current) => current && change(current),
      5,
    );
  }

  /** Same content on a takeover: last writer wins. */
  async keepSecret(secret: SecretRecord): Promise<void> {
    await this.store.upsert('secrets', secret.mailId, secret);
  }

  async secretOf(mailId: string): Promise<SecretRecord | undefined> {
    return MAIL_ID.test(mailId) ? this.store.get<SecretRecord>('secrets', mailId) : undefined;
  }

  async deleteSecret(mailId: string): Promise<void> {
    await this.store.delete('secrets', mailId);
  }

  withLiveSecrets(): Promise<HeldMail[]> {
    return this.store.query<MailRecord>('mails', { secretState: 'live' });
  }

  async lastPosted(): Promise<MailRecord | undefined> {
    const [last] = await this.store.query<MailRecord>(
      'mails',
      { state: 'posted' },
      { orderBy: 'startedAt', descending: true, limit: 1 },
    );
    return last;
  }
}

function isAbandoned(mail: MailRecord, now: Date): boolean {
  if (mail.state === 'no-channel') return true;
  return mail.state === 'processing' && now.getTime() - Date.parse(mail.startedAt) > TAKEOVER_AFTER_MS;
}
