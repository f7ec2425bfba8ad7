import type { Owner } from '../../domain/addressRecords';
import {
  CLASS_ROUTING,
  type Destination,
  type MailKind,
  type OwnerStatus,
  type RootMailClass,
  type RoutingRuleId,
  type Trust,
} from '../../domain/mailClassification';
import type { PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';
import { RenewedClaim } from '../leases';

/**
 * Storage layout of the relay (container → id):
 *   mails       → sha-256 of the Internet Message-ID (MailRecord; created if absent: the exactly-once guard)
 *   secrets     → same id (SecretRecord; deleted when it expires, `ttl` for Cosmos DB as a backstop)
 *   mailTallies → `<day>:<shard>` (MailTally: per UTC day, how many mails of each class arrived and where they went;
 *                 eight shards a day so a burst of mails does not queue on one etag)
 * The secret lives only in `secrets`, never in `mails`, cards, audit or logs. MailRecords is the only code
 * that reads or writes these containers.
 */
export type MailSource = 'graph' | 'inject' | 'smtp';

/** Where a mail ended up: a destination of the routing table, or the adoption that was waiting for its code. */
export type MailDestination = Destination | 'handed-to-adoption' | 'handed-to-requester';

/** The classes of records written before issue 11 (read, never written any more). */
export type LegacyMailClass =
  'verification' | 'password-reset' | 'mfa-recovery' | 'account-notice' | 'unrelated';

export interface MailRecord {
  mailId: string;
  /**
   * processing: taken by one instance; no-channel: kept until on-call exists (taken over when it comes again).
   * Done: posted (on-call channel), sent-to-owner (their chat), digest-pending → digested (the daily on-call
   * digest), recorded (kept, shown to nobody), handed-over (to the adoption waiting for its code),
   * sent-to-requester (a root-access session's sign-in mail, to its requester alone).
   * ignored: records written before issue 11 only.
   */
  state:
    | 'processing'
    | 'posted'
    | 'sent-to-owner'
    | 'digest-pending'
    | 'digested'
    | 'recorded'
    | 'handed-over'
    | 'sent-to-requester'
    | 'no-channel'
    | 'ignored';
  startedAt: string;
  source: MailSource;
  class?: RootMailClass;
  kind?: MailKind;
  /** The routing rule the class maps to (ROUTING_RULES), and where the mail went under it. */
  routing?: RoutingRuleId;
  destination?: MailDestination;
  /** What the relay knew of the owner when it routed the mail; unreachable: Teams refused their chat. */
  ownerStatus?: OwnerStatus | 'unreachable';
  trust?: Trust;
  reasons?: string[];
  /** The kind of secret a suspicious mail carried and that was not kept. */
  withheld?: 'code' | 'link';
  /** The Subject line, capped, with anything code- or link-like masked. */
  subject?: string;
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
  /**
   * live → expired; none when there was nothing to keep; lost when a relay was cut off before the secret was
   * kept (the card then says so and offers no Reveal).
   */
  secretState?: 'live' | 'expired' | 'none' | 'lost';
  expiresAt?: string;
  /** The UTC day (YYYY-MM-DD) whose on-call digest lists this mail. */
  digestDay?: string;
  posted?: PostedMessage;
  /** While `processing`: the relay holding the mail holds it until then; after that the sweeper retakes it. */
  leaseUntil?: string;
  /** Failed Teams posts so far, and whether on-call was alerted about them (MAIL_POST_ATTEMPTS). */
  attempts?: number;
  alerted?: boolean;
  claimedBy?: { id: string; name: string; at: string };
  /**
   * Only this person may reveal the secret: the requester of the root-access session (`rootAccessId`) the
   * mail was handed to. Nobody else, admins and on-call included.
   */
  revealFor?: { id: string; name: string };
  rootAccessId?: string;
  /** Records written before issue 11. */
  mailClass?: LegacyMailClass;
  authenticity?: 'trusted' | 'suspicious';
}

export interface SecretRecord {
  mailId: string;
  type: 'code' | 'link';
  value: string;
  expiresAt: string;
  /** Seconds; Cosmos DB deletes the document after this even if the purge job never runs. */
  ttl: number;
}

/** How many mails of a class arrived, and how many went where. */
export interface ClassFigures {
  arrived: number;
  went: Partial<Record<MailDestination, number>>;
}

interface MailTally {
  day: string;
  shard: number;
  classes: Partial<Record<RootMailClass, ClassFigures>>;
}

/** Per class over the last days: the figures of `status` and GET /api/v1/status. */
export interface MailFigures {
  /** The first UTC day counted (the last one is today). */
  since: string;
  days: number;
  classes: ({ class: RootMailClass; rule: RoutingRuleId } & ClassFigures)[];
}

const MAIL_ID = /^[0-9a-f]{64}$/;

/** A record without a lease (written before the sweeper) is taken over after this (it crashed mid-way). */
const TAKEOVER_AFTER_MS = 5 * 60_000;

const TALLY_SHARDS = 8;

/** A mail record with the etag of the version this holder read or wrote. */
export type HeldMail = Stored<MailRecord>;

export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export class MailRecords {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async get(mailId: string): Promise<HeldMail | undefined> {
    return MAIL_ID.test(mailId) ? this.store.get<MailRecord>('mails', mailId) : undefined;
  }

  /**
   * The exactly-once guard: create-if-absent on the mail id, with everything the relay decided (so the sweeper
   * can finish it from the record alone) and a lease. A mail abandoned mid-way (its lease lapsed, or kept
   * while no on-call channel existed) is taken over by etag; undefined when someone else has it.
   */
  async claim(fresh: MailRecord & { state: 'processing' }): Promise<HeldMail | undefined> {
    const created = await writeIfUnchanged(this.store, 'mails', fresh.mailId, undefined, fresh);
    if (created) return created;
    const existing = await this.store.get<MailRecord>('mails', fresh.mailId);
    if (!existing || !isAbandoned(existing, this.clock.now())) return undefined;
    return writeIfUnchanged(this.store, 'mails', fresh.mailId, existing, fresh);
  }

  /**
   * Mails whose relay did not finish and whose lease has lapsed (crashed, or waiting to retry a post); with
   * `onCallReady`, also the mails kept for want of an on-call channel, which can be posted now.
   */
  async stuck(limit = 200, { onCallReady = false } = {}): Promise<HeldMail[]> {
    const now = this.clock.now();
    const states: MailRecord['state'][] = onCallReady ? ['processing', 'no-channel'] : ['processing'];
    const found: HeldMail[] = [];
    for (const state of states)
      found.push(
        ...(await this.store.query<MailRecord>('mails', { state }, { orderBy: 'startedAt', limit })),
      );
    return found.filter((mail) => isAbandoned(mail, now)).slice(0, limit);
  }

  /**
   * Holds a stuck mail for `leaseMs` more, by etag: undefined when another instance retook it first. A mail
   * kept for want of an on-call channel is being relayed again from here on.
   */
  retake(held: HeldMail, leaseMs: number): Promise<HeldMail | undefined> {
    const leaseUntil = new Date(this.clock.now().getTime() + leaseMs).toISOString();
    const state = held.state === 'no-channel' ? 'processing' : held.state;
    return writeIfUnchanged(this.store, 'mails', held.mailId, held, { ...held, state, leaseUntil });
  }

  /**
   * Mails on their way to the on-call channel and not posted yet (their relay holds them, or they wait for a
   * retry), oldest first, at most `limit`: every instance's backlog, for the burst summary.
   */
  async waitingForOnCall(limit = 500): Promise<HeldMail[]> {
    const processing = await this.store.query<MailRecord>(
      'mails',
      { state: 'processing' },
      { orderBy: 'startedAt', limit },
    );
    return processing.filter((mail) => mail.routing !== 'recorded' && mail.routing !== 'owner-else-digest');
  }

  /** Secrets past their expiry, whatever state their mail is in (the purge). */
  async expiredSecrets(limit = 500): Promise<SecretRecord[]> {
    const now = this.clock.now().getTime();
    const oldest = await this.store.query<SecretRecord>('secrets', {}, { orderBy: 'expiresAt', limit });
    return oldest.filter((s) => Date.parse(s.expiresAt) <= now || Number.isNaN(Date.parse(s.expiresAt)));
  }

  /**
   * Keeps a claimed mail held while its relay works: the lease is renewed every third of `leaseMs`, so a
   * mail waiting its turn in a burst is never taken over by a sweeper, while a dead process's mail is.
   */
  hold(held: HeldMail, leaseMs: number, onError?: (err: unknown) => void): MailHold {
    return new MailHold(this, held, leaseMs, onError);
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

  /** Service notices waiting for their day's digest, oldest first. */
  waitingForDigest(): Promise<HeldMail[]> {
    return this.store.query<MailRecord>(
      'mails',
      { state: 'digest-pending' },
      { orderBy: 'startedAt', limit: 1000 },
    );
  }

  async lastPosted(): Promise<MailRecord | undefined> {
    const [last] = await this.store.query<MailRecord>(
      'mails',
      { state: 'posted' },
      { orderBy: 'startedAt', descending: true, limit: 1 },
    );
    return last;
  }

  /** Counts one mail, once it has gone where it goes, under the day it arrived (today, UTC). */
  async count(mail: { mailId: string; class: RootMailClass; destination: MailDestination }): Promise<void> {
    const day = dayOf(this.clock.now());
    const shard = parseInt(mail.mailId.slice(0, 2), 16) % TALLY_SHARDS || 0;
    await changeDocument<MailTally>(
      this.store,
      'mailTallies',
      `${day}:${shard}`,
      (current) => {
        const classes = { ...current?.classes };
        const figures = classes[mail.class] ?? { arrived: 0, went: {} };
        classes[mail.class] = {
          arrived: figures.arrived + 1,
          went: { ...figures.went, [mail.destination]: (figures.went[mail.destination] ?? 0) + 1 },
        };
        return { day, shard, classes };
      },
      40,
    );
  }

  /** Per class, the mails of the last `days` UTC days including today: one query per day. */
  async figures(days = 7): Promise<MailFigures> {
    const today = this.clock.now();
    const dates = Array.from({ length: days }, (_, i) => dayOf(new Date(today.getTime() - i * 86_400_000)));
    const tallies = (
      await Promise.all(dates.map((day) => this.store.query<MailTally>('mailTallies', { day })))
    ).flat();
    const classes = (Object.keys(CLASS_ROUTING) as RootMailClass[]).map((mailClass) => {
      const went: Partial<Record<MailDestination, number>> = {};
      let arrived = 0;
      for (const tally of tallies) {
        const figures = tally.classes[mailClass];
        if (!figures) continue;
        arrived += figures.arrived;
        for (const [to, n] of Object.entries(figures.went) as [MailDestination, number][])
          went[to] = (went[to] ?? 0) + n;
      }
      return { class: mailClass, rule: CLASS_ROUTING[mailClass], arrived, went };
    });
    return { since: dates[dates.length - 1], days, classes };
  }
}

/** A mail claimed by this relay: renewed while held, every write made with the latest etag. */
export class MailHold {
  private renewal: RenewedClaim;

  constructor(
    private readonly records: MailRecords,
    private held: HeldMail,
    leaseMs: number,
    onError?: (err: unknown) => void,
  ) {
    this.renewal = new RenewedClaim(
      async () => {
        const renewed = await records.retake(this.held, leaseMs);
        if (renewed) this.held = renewed;
        return !!renewed;
      },
      leaseMs,
      onError,
    );
  }

  get current(): HeldMail {
    return this.held;
  }

  /** Another instance retook the mail: this relay must not post it. */
  get lost(): boolean {
    return this.renewal.lost;
  }

  /** The relay's last word on the mail: renewals stop, then `next` is written over the version held. */
  async save(next: MailRecord): Promise<HeldMail | undefined> {
    await this.renewal.stop();
    return this.records.save(this.held, next);
  }

  /** Stops renewing without a write (the relay failed: the lease lapses and a sweeper retakes the mail). */
  release(): Promise<void> {
    return this.renewal.stop();
  }
}

function isAbandoned(mail: MailRecord, now: Date): boolean {
  if (mail.state === 'no-channel') return true;
  if (mail.state !== 'processing') return false;
  if (mail.leaseUntil) return Date.parse(mail.leaseUntil) <= now.getTime();
  return now.getTime() - Date.parse(mail.startedAt) > TAKEOVER_AFTER_MS;
}
