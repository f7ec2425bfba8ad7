import {
  classifyRootMail,
  destinationOf,
  findCode,
  goesToRootSession,
  ROUTING_RULES,
  type MailKind,
  type OwnerStatus,
  type ReceivingBoundary,
  type RootMailClass,
  type RootMailVerdict,
  type RoutingRule,
  type Trust,
} from '../../domain/mailClassification';
import type { AddressRecord } from '../../domain/addressRecords';
import type { Logger } from '../../log/logger';
import { redactText } from '../../log/redact';
import type { ChatPort } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { DirectoryPort } from '../../ports/directory';
import { DependencyUnavailableError } from '../../ports/errors';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { OnCallAlerts } from '../alerts';
import type { AuditLog } from '../auditLog';
import type { ChannelSetting, ConversationDirectory } from '../conversations';
import { Aside, Limiter } from '../limiter';
import { isSecretExpired, labelOf, mailAlertCardFor, ownerMailCardFor } from './mailCard';
import {
  dayOf,
  HeldMail,
  MailDestination,
  MailHold,
  MailRecord,
  MailRecords,
  MailSource,
  SecretRecord,
} from './mailRecords';
import type { OnCallBurst } from './onCallBurst';
import { noteOwner, sendToOwner } from './ownerNote';
import { sendToUser } from '../personalChats';
import { ReadMail, readMail } from './readMail';

/**
 * Takes a root-e-mail-change code for an alias that has an adoption waiting for it.
 *
 * Called by the relay only for trusted mails of kind `email-change-code` whose recipient is one of our addresses
 * (`address` is that address record's), once per mail — except that a mail whose relay crashed half-way is relayed
 * again once its claim lapsed, so the same `mailId` may come twice: answer true again for a mail already taken. A
 * rejection counts as false (the code is posted).
 */
export interface EmailChangeCodes {
  /** True when an adoption took the code: the relay then records the mail as handed over and never posts or stores the code. */
  take(code: { address: string; code: string; mailId: string; receivedAt: string }): Promise<boolean>;
}

/**
 * Which live break-glass root session, if any, an address's sign-in mails belong to (the root-access feature).
 * While one is live, AWS's password-reset and sign-in mails for its account go to its requester alone.
 */
export interface RootSessionMail {
  liveSessionFor(
    address: string,
    awsAccountId: string | undefined,
  ): Promise<
    | {
        accessId: string;
        requester: { id: string; name: string };
        reach: { serviceUrl?: string; tenantId?: string };
        account: string;
      }
    | undefined
  >;
  /** The mail went to the requester: recorded on the session and audited; answers on-call's line (no link). */
  handed(accessId: string, mail: { mailId: string; kind: string; label: string }): Promise<string>;
}

/** What happened to one mail; returned to the inject endpoint, logged for the others. */
export interface RelayOutcome {
  mailId: string;
  outcome:
    | 'posted'
    | 'sent-to-owner'
    | 'digest'
    | 'recorded'
    | 'handed-over'
    | 'sent-to-requester'
    | 'no-channel'
    | 'duplicate'
    | 'retrying';
  class?: RootMailClass;
  kind?: MailKind;
  trust?: Trust;
  destination?: MailDestination;
  routed?: boolean;
}

export interface MailRelayDeps {
  records: MailRecords;
  addresses: Pick<AddressRegistry, 'findRecipient'>;
  conversations: ConversationDirectory;
  chat: ChatPort;
  /** Whether an owner is still here (getUser answers undefined for someone who left). */
  directory: Pick<DirectoryPort, 'getUser'>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Domains that are ours (the central mailbox's, the plus address's): a redirect by them is internal. */
  internalDomains: string[];
  /** AWS_EXTRA_SENDER_DOMAINS. */
  extraSenderDomains: readonly string[];
  /**
   * SMTP_TRUSTED_AUTHSERV_ID: the relay whose Authentication-Results a mail that came in over SMTP is judged
   * by (none: no SMTP mail is trusted). Mail from Graph (and the inject endpoint) is judged by Exchange
   * Online's, the topmost.
   */
  smtpAuthservIds?: readonly string[];
  secretTtlMinutes: number;
  /** The adoption feature, when there is one: it takes root e-mail change codes it waits for. */
  emailChangeCodes?: EmailChangeCodes;
  /** The root-access feature, when there is one: live sessions take their sign-in mails. */
  rootSessions?: RootSessionMail;
  /** Most mails relayed at once; a burst waits its turn here instead of contending for the store. */
  concurrency?: number;
  /** On-call alerts: a mail whose post keeps failing is reported after `alertAfterAttempts`. */
  alerts?: Pick<OnCallAlerts, 'raise'>;
  /** MAIL_RELAY_LEASE_SECONDS (ms) and MAIL_POST_ATTEMPTS; defaults 30 seconds and 5. */
  leaseMs?: number;
  alertAfterAttempts?: number;
  /** The burst summary: told when cards back up in the on-call lane (see onCallBurst.ts). */
  burst?: Pick<OnCallBurst, 'laneBacklog'>;
}

/**
 * What the relay knows of one mail once it is read, classified and claimed — all of it in the claimed record
 * (and the secret in `secrets`), so that the sweeper can finish a relay another instance did not.
 */
interface Relaying {
  hold: MailHold;
  rule: RoutingRule;
  secret?: { type: 'code' | 'link'; value: string };
  doc: MailRecord;
  now: Date;
  timing: { started: bigint; fetchedAt: bigint; parsedAt: bigint };
  /** Gives the relay's slot to another mail while this one waits for its turn in the on-call lane. */
  aside: Aside;
}

const RELAY_CONCURRENCY = 16;
/** Cards waiting in this instance's on-call lane from which the burst summary watches the backlog. */
const BACKLOG_WATCH = 10;
const SUBJECT_LENGTH = 200;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_ALERT_AFTER = 5;
/** Waits between failed posts: 30 s, 1, 2, 4 … minutes, at most 15. */
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 15 * 60_000;

/**
 * The pipeline every source feeds (Graph, the inject endpoint, SMTP): read → exactly-once guard → which
 * account → classify → route by the class's rule (ROUTING_RULES): on-call card, owner's chat, daily digest, or
 * recorded only → note the owner. Nothing authenticated from AWS is dropped: what fits no class is "AWS mail".
 */
export class MailRelay {
  private readonly slots: Limiter;
  /**
   * One card at a time into the on-call channel, each recorded as posted before the next goes: Teams limits a
   * bot's posts per conversation (parallel posts earn 429s), cards appear in the order the mails came, and a
   * crash leaves at most one card whose post may or may not have gone out (the one re-sent after a restart).
   */
  private readonly onCallLane = new Limiter(1);

  constructor(private readonly deps: MailRelayDeps) {
    this.slots = new Limiter(deps.concurrency ?? RELAY_CONCURRENCY);
  }

  /** `since`: when the mail was handed to us (a notification), so the logged time includes the fetch. */
  relay(raw: Buffer | string, source: MailSource, since = process.hrtime.bigint()): Promise<RelayOutcome> {
    return this.slots.run((aside) => this.relayNow(raw, source, since, aside));
  }

  private async relayNow(
    raw: Buffer | string,
    source: MailSource,
    started: bigint,
    aside: Aside,
  ): Promise<RelayOutcome> {
    const fetchedAt = process.hrtime.bigint();
    const { records, clock, logger } = this.deps;
    const mail = await readMail(raw);
    const parsedAt = process.hrtime.bigint();
    const verdict = classifyRootMail(
      { ...mail.facts, internalDomains: this.deps.internalDomains },
      { extraSenderDomains: this.deps.extraSenderDomains, boundary: this.boundaryOf(source) },
    );
    const recipient = await this.deps.addresses.findRecipient(mail.recipients);
    const now = clock.now();
    const doc = this.recordOf(mail, verdict, recipient, source, now);
    const claim = await records.claim(doc);
    if (!claim) {
      logger.info({ mailId: mail.mailId, source }, 'mail already relayed; duplicate ignored');
      return { mailId: mail.mailId, outcome: 'duplicate' };
    }
    const hold = this.hold(claim);
    try {
      const secret = verdict.secret && { type: verdict.secret.type, value: verdict.secret.value };
      // Kept at once, so that whoever finishes this relay (this instance or the sweeper) can offer Reveal.
      if (secret) await records.keepSecret(this.secretRecord(doc, secret));
      return await this.route({
        hold,
        rule: verdict.routing,
        secret,
        doc,
        now,
        timing: { started, fetchedAt, parsedAt },
        aside,
      });
    } finally {
      await hold.release();
    }
  }

  /** Whose Authentication-Results a mail from this source is judged by. */
  private boundaryOf(source: MailSource): ReceivingBoundary {
    return source === 'smtp'
      ? { kind: 'relay', authservIds: this.deps.smtpAuthservIds ?? [] }
      : { kind: 'topmost' };
  }

  /**
   * The sweeper's way in: finishes a mail whose relay did not (the process died, or its post failed and its
   * wait is over), from its record and its kept secret. Retaken by etag first, so one instance does it.
   */
  resume(stuck: HeldMail): Promise<RelayOutcome | undefined> {
    return this.slots.run(async (aside) => {
      const { records, logger } = this.deps;
      const held = await records.retake(stuck, this.leaseMs);
      if (!held) return undefined; // another instance was faster
      const rule = held.routing && ROUTING_RULES[held.routing];
      if (!rule || !held.class) {
        // A claim from before the record carried its routing: nothing to finish it from.
        logger.error(
          { mailId: held.mailId },
          'a mail whose relay was cut off cannot be finished; see the mailbox',
        );
        await records.save(held, {
          ...held,
          state: 'recorded',
          destination: 'recorded',
          leaseUntil: undefined,
        });
        return undefined;
      }
      let doc: MailRecord = held;
      let secret: Relaying['secret'];
      if (held.secretState === 'live') {
        const kept = await records.secretOf(held.mailId);
        if (kept) secret = { type: kept.type, value: kept.value };
        else if (!isSecretExpired(held, this.deps.clock.now())) doc = { ...doc, secretState: 'lost' }; // cut off before it was kept: no Reveal that cannot work
      }
      logger.warn(
        { mailId: held.mailId, attempts: held.attempts ?? 0 },
        'finishing a mail whose relay did not',
      );
      const started = process.hrtime.bigint();
      const hold = this.hold(held);
      try {
        return await this.route({
          hold,
          rule,
          secret,
          doc,
          now: this.deps.clock.now(),
          timing: { started, fetchedAt: started, parsedAt: started },
          aside,
        });
      } finally {
        await hold.release();
      }
    });
  }

  /** The claim, renewed while this relay works on the mail (a burst may keep it waiting for its turn). */
  private hold(claim: HeldMail): MailHold {
    return this.deps.records.hold(claim, this.leaseMs, (err) =>
      this.deps.logger.warn({ err, mailId: claim.mailId }, 'could not renew the claim on a mail'),
    );
  }

  private get leaseMs(): number {
    return this.deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private recordOf(
    mail: ReadMail,
    verdict: RootMailVerdict,
    recipient: AddressRecord | undefined,
    source: MailSource,
    now: Date,
  ): MailRecord & { state: 'processing' } {
    const expiresAt = new Date(now.getTime() + this.deps.secretTtlMinutes * 60_000).toISOString();
    return {
      mailId: mail.mailId,
      state: 'processing',
      startedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(),
      source,
      class: verdict.class,
      kind: verdict.kind,
      routing: verdict.routing.id,
      trust: verdict.trust,
      reasons: verdict.reasons,
      withheld: verdict.withheld,
      subject: subjectToKeep(verdict),
      forwarded: verdict.forwarded,
      from: mail.fromAddress,
      receivedAt: (mail.receivedAt ?? now).toISOString(),
      address: recipient?.address,
      recipients: mail.recipients.slice(0, 10),
      accountName: recipient?.accountName,
      awsAccountId: recipient?.awsAccountId,
      owner: recipient?.owner,
      secretType: verdict.secret?.type,
      secretState: verdict.secret ? 'live' : 'none',
      expiresAt: verdict.secret ? expiresAt : undefined,
    };
  }

  private secretRecord(doc: MailRecord, secret: NonNullable<Relaying['secret']>): SecretRecord {
    return {
      mailId: doc.mailId,
      type: secret.type,
      value: secret.value,
      expiresAt: doc.expiresAt!,
      ttl: this.deps.secretTtlMinutes * 60,
    };
  }

  private async route(r: Relaying): Promise<RelayOutcome> {
    const handedOver = (await this.handToAdoption(r)) ?? (await this.handToRootSession(r));
    if (handedOver) return handedOver;
    const ownerStatus = await this.ownerStatusFor(r.rule, r.doc.owner);
    const destination = destinationOf(r.rule, ownerStatus);
    if (destination === 'recorded') return this.finish(r, { state: 'recorded', destination, ownerStatus });
    if (destination === 'digest') return this.toDigest(r, ownerStatus);
    if (destination === 'owner') return this.toOwner(r, r.rule);
    return this.toOnCall(r, destination, ownerStatus);
  }

  /**
   * A root e-mail change code for one of our addresses goes to the adoption waiting for it, if there is one:
   * then it is neither posted nor stored. Undefined when nobody took it (it is posted like any secret).
   */
  private async handToAdoption(r: Relaying): Promise<RelayOutcome | undefined> {
    const { doc } = r;
    const taker = this.deps.emailChangeCodes;
    const code = r.secret?.type === 'code' ? r.secret.value : undefined;
    if (!taker || !doc.address || !code || doc.trust !== 'trusted' || doc.kind !== 'email-change-code')
      return undefined;
    const taken = await taker
      .take({ address: doc.address, code, mailId: doc.mailId, receivedAt: doc.receivedAt! })
      .catch((err) => {
        this.deps.logger.warn(
          { err, mailId: doc.mailId },
          'the adoption feature failed on a root e-mail change code; it is posted instead',
        );
        return false;
      });
    if (!taken) return undefined;
    return this.finish(r, {
      state: 'handed-over',
      destination: 'handed-to-adoption',
      secretState: 'none',
      expiresAt: undefined,
    });
  }

  /**
   * A sign-in mail (password reset, sign-in code) for an account with a live break-glass session goes to the
   * session's requester alone: a masked card in their personal chat, Reveal for them only; on-call reads that
   * it was handed over, to whom, for which session — never the link. A failed look-up throws (the mail is
   * relayed again later) rather than fall back to on-call with a live reset link.
   */
  private async handToRootSession(r: Relaying): Promise<RelayOutcome | undefined> {
    const sessions = this.deps.rootSessions;
    const { doc } = r;
    if (!sessions || !doc.address || !r.secret || !goesToRootSession(doc.kind, doc.trust)) return undefined;
    const session = await sessions.liveSessionFor(doc.address, doc.awsAccountId);
    if (!session) return undefined;
    const handed: MailRecord = {
      ...doc,
      destination: 'handed-to-requester',
      revealFor: session.requester,
      rootAccessId: session.accessId,
    };
    let posted;
    try {
      posted = await sendToUser(this.deps, session.requester.id, session.reach, {
        card: mailAlertCardFor(handed, r.now),
      });
    } catch (err) {
      return this.postFailed(r, handed, err); // tried again later, on-call alerted after a few tries
    }
    const outcome = await this.finish(r, {
      state: 'sent-to-requester',
      destination: 'handed-to-requester',
      revealFor: session.requester,
      rootAccessId: session.accessId,
      posted,
    });
    try {
      const line = await sessions.handed(session.accessId, {
        mailId: doc.mailId,
        kind: doc.kind ?? 'password-reset',
        label: labelOf(doc),
      });
      const channel = await this.deps.conversations.channelFor('oncall');
      if (channel) await this.deps.chat.postToChannel(channel.reference, { text: line });
    } catch (err) {
      this.deps.logger.warn(
        { err, mailId: doc.mailId },
        'could not tell on-call that a sign-in mail was handed over',
      );
    }
    return outcome;
  }

  /**
   * Whether the address has an owner who is still here: recorded, and known to the directory (getUser answers
   * undefined for someone who left). Codes skip the directory: they are time-critical and their note is harmless;
   * rules that tell the owner nothing need not know.
   */
  private async ownerStatusFor(rule: RoutingRule, owner?: AddressRecord['owner']): Promise<OwnerStatus> {
    if (!owner) return 'unknown';
    if (rule.owner === 'nothing' || rule.id === 'oncall-secret') return 'known';
    try {
      return (await this.deps.directory.getUser(owner.id)) ? 'known' : 'left';
    } catch (err) {
      // The directory is down: try the owner; if Teams cannot reach them either, on-call gets the mail.
      this.deps.logger.warn({ err }, 'the directory did not answer; the owner is taken to be here');
      return 'known';
    }
  }

  private async toOwner(r: Relaying, rule: RoutingRule): Promise<RelayOutcome> {
    const owner = r.doc.owner!;
    const channel = await this.deps.conversations.channelFor('oncall');
    const doc: MailRecord = { ...r.doc, destination: 'owner', ownerStatus: 'known' };
    const posted = await sendToOwner(this.deps, owner, channel, { card: ownerMailCardFor(doc) }).catch(
      (err) => {
        this.deps.logger.warn(
          { err, mailId: doc.mailId },
          'could not reach the owner in Teams; the mail goes where it goes when there is no owner',
        );
        return undefined;
      },
    );
    if (posted)
      return this.finish(r, { state: 'sent-to-owner', destination: 'owner', ownerStatus: 'known', posted });
    const fallback = destinationOf(rule, 'unknown');
    return fallback === 'digest'
      ? this.toDigest(r, 'unreachable')
      : this.toOnCall(r, fallback, 'unreachable', channel);
  }

  private toDigest(r: Relaying, ownerStatus: MailRecord['ownerStatus']): Promise<RelayOutcome> {
    return this.finish(r, {
      state: 'digest-pending',
      destination: 'digest',
      ownerStatus,
      digestDay: dayOf(r.now),
    });
  }

  private async toOnCall(
    r: Relaying,
    destination: MailDestination,
    ownerStatus: MailRecord['ownerStatus'],
    knownChannel?: ChannelSetting,
  ): Promise<RelayOutcome> {
    const { logger } = this.deps;
    const { doc: base, now } = r;
    const doc: MailRecord = { ...base, destination, ownerStatus };
    const channel = knownChannel ?? (await this.deps.conversations.channelFor('oncall'));
    if (!channel) {
      await r.hold.save({ ...doc, state: 'no-channel', leaseUntil: undefined });
      logger.error(
        this.logFields(doc),
        'no on-call channel is set up (an admin types `setup oncall`); mail kept, not posted',
      );
      return this.outcome(doc, 'no-channel');
    }
    const decidedAt = process.hrtime.bigint();
    if (this.onCallLane.queued >= BACKLOG_WATCH)
      this.deps.burst?.laneBacklog(() => this.onCallLane.queued > 0);
    // A burst waits here for its cards' turns; meanwhile the relay's slot serves the next mail, so that every
    // mail of a burst is claimed (recorded, seen by every instance) at once rather than held in memory.
    const outcome = await r.aside(() =>
      this.onCallLane.run(async () => {
        // Its turn may come late in a burst: the claim was renewed meanwhile, so no sweeper took the mail
        // over; if one did (this process stalled past the lease), that one posts it.
        if (r.hold.lost) return this.outcome(doc, 'duplicate');
        let posted;
        try {
          posted = await this.deps.chat.postToChannel(channel.reference, {
            card: mailAlertCardFor(doc, now),
          });
        } catch (err) {
          return this.postFailed(r, doc, err);
        }
        return this.finish(r, { state: 'posted', destination, ownerStatus, posted }, decidedAt);
      }),
    );
    if (outcome.outcome !== 'posted') return outcome;
    if (r.rule.owner === 'note' && doc.owner && ownerStatus === 'known' && doc.trust === 'trusted') {
      await noteOwner(this.deps, doc.owner, channel, doc).catch((err) =>
        logger.warn({ err, mailId: doc.mailId }, 'could not send the owner a note'),
      );
    }
    return outcome;
  }

  /**
   * Teams did not take the card: the mail stays `processing`, leased until its next try (backoff), when the
   * sweeper on any instance takes it again. After MAIL_POST_ATTEMPTS failures on-call is alerted (once).
   */
  private async postFailed(r: Relaying, doc: MailRecord, err: unknown): Promise<RelayOutcome> {
    const { logger, clock } = this.deps;
    const attempts = (r.doc.attempts ?? 0) + 1;
    // Never sooner than Teams asked (its Retry-After, when it throttled the post).
    const askedMs = err instanceof DependencyUnavailableError ? err.retryAfterSeconds * 1000 : 0;
    const waitMs = Math.max(askedMs, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1)));
    const alertNow = attempts >= (this.deps.alertAfterAttempts ?? DEFAULT_ALERT_AFTER) && !r.doc.alerted;
    const next: MailRecord = {
      ...r.doc,
      attempts,
      alerted: r.doc.alerted || alertNow,
      leaseUntil: new Date(clock.now().getTime() + waitMs).toISOString(),
    };
    await r.hold.save(next);
    logger.warn(
      { ...this.logFields(doc), err, attempts, retryInMs: waitMs },
      'could not post a mail to Teams; it is tried again later',
    );
    if (alertNow)
      await this.deps.alerts
        ?.raise(
          `mail-undelivered:${doc.mailId}`,
          `RootMail could not post a mail (${labelOf(doc)} for ${doc.accountName ?? doc.address ?? 'an unrouted address'}) ` +
            `to Teams after ${attempts} attempts. It keeps trying every ${Math.round(RETRY_MAX_MS / 60_000)} minutes at most; ` +
            'the mail itself is in the shared mailbox.',
        )
        .catch((e) => logger.error({ err: e, mailId: doc.mailId }, 'could not alert on-call'));
    return this.outcome(doc, 'retrying');
  }

  /** Stores where the mail went, audits and counts it, and logs it. */
  private async finish(
    r: Relaying,
    change: Partial<MailRecord> & Pick<MailRecord, 'state' | 'destination'>,
    decidedAt?: bigint,
  ): Promise<RelayOutcome> {
    const { records, logger } = this.deps;
    const doc: MailRecord = { ...r.doc, ...change, leaseUntil: undefined };
    await r.hold.save(doc);
    // Only a card with Reveal (on-call's, or a root-access requester's) needs the secret; elsewhere none is kept.
    if (r.secret && doc.state !== 'posted' && doc.state !== 'sent-to-requester')
      await records
        .deleteSecret(doc.mailId)
        .catch((err) => logger.warn({ err, mailId: doc.mailId }, 'could not delete an unneeded secret'));
    const doneAt = process.hrtime.bigint();
    await this.audit(doc);
    await records
      .count({ mailId: doc.mailId, class: doc.class!, destination: doc.destination! })
      .catch((err) =>
        logger.warn({ err, mailId: doc.mailId }, 'could not count a mail in the daily figures'),
      );
    const ms = (from: bigint, to: bigint) => Math.round(Number(to - from) / 1e4) / 100;
    const { started, fetchedAt, parsedAt } = r.timing;
    const timing =
      decidedAt === undefined
        ? { durationMs: ms(started, doneAt) }
        : {
            durationMs: ms(started, doneAt),
            phasesMs: {
              fetch: ms(started, fetchedAt),
              parse: ms(fetchedAt, parsedAt),
              decide: ms(parsedAt, decidedAt),
              post: ms(decidedAt, doneAt),
            },
          };
    logger.info({ ...this.logFields(doc), ...timing }, `mail relayed: ${DONE[doc.destination!]}`);
    return this.outcome(doc, OUTCOME[doc.state] ?? 'posted');
  }

  /** The class and rule of each mail, visible in `audit <address>` (and under `mail:<id>`). */
  private async audit(doc: MailRecord): Promise<void> {
    const handedOver = doc.destination === 'handed-to-adoption';
    const detail =
      `${labelOf(doc)} (class ${doc.class}, ${doc.trust}), rule ${doc.routing}: ${DONE[doc.destination!]}` +
      (doc.revealFor ? ` (${doc.revealFor.name}, root access ${doc.rootAccessId})` : '') +
      (doc.ownerStatus && doc.ownerStatus !== 'known' ? ` (owner ${doc.ownerStatus})` : '');
    for (const subject of [doc.address, `mail:${doc.mailId}`].filter((s): s is string => !!s)) {
      await this.deps.audit.record({
        subject,
        action: handedOver ? 'mail.handed-to-adoption' : 'mail.relayed',
        actorId: 'system',
        actorName: 'RootMail relay',
        detail,
      });
    }
  }

  private logFields(doc: MailRecord) {
    return {
      mailId: doc.mailId,
      source: doc.source,
      mailClass: doc.class,
      kind: doc.kind,
      trust: doc.trust,
      destination: doc.destination,
      routed: !!doc.address,
    };
  }

  private outcome(doc: MailRecord, outcome: RelayOutcome['outcome']): RelayOutcome {
    return {
      mailId: doc.mailId,
      outcome,
      class: doc.class,
      kind: doc.kind,
      trust: doc.trust,
      destination: doc.destination,
      routed: !!doc.address,
    };
  }
}

const OUTCOME: Partial<Record<MailRecord['state'], RelayOutcome['outcome']>> = {
  posted: 'posted',
  'sent-to-owner': 'sent-to-owner',
  'digest-pending': 'digest',
  recorded: 'recorded',
  'handed-over': 'handed-over',
  'sent-to-requester': 'sent-to-requester',
};

/** Where a mail went, in words (logs and audit). */
const DONE: Record<MailDestination, string> = {
  'oncall-secret': 'masked card with Reveal in the on-call channel',
  'oncall-urgent': 'urgent card in the on-call channel',
  owner: "the owner's chat",
  'oncall-if-no-owner': 'the on-call channel, standing in for the owner',
  digest: "the on-call channel's daily digest",
  recorded: 'recorded only',
  'oncall-warning': 'warning in the on-call channel, secret withheld',
  'oncall-aws-mail': 'card "AWS mail" in the on-call channel',
  'handed-to-adoption': 'handed to the adoption waiting for it (not posted, not stored)',
  'handed-to-requester':
    "masked card with Reveal in the root-access requester's personal chat, for them alone",
};

/**
 * The subject as kept and shown: capped, and with anything that may be a code or a link masked, by the
 * redaction point and by the code finder (a subject like "123456 is your code" is not unheard of).
 */
function subjectToKeep(verdict: RootMailVerdict): string {
  let subject = redactText(verdict.subject.replace(/\s+/g, ' ').trim());
  const secrets = [verdict.secret?.value, findCode(subject)].filter((s): s is string => !!s);
  for (const secret of secrets) subject = subject.split(secret).join('••••••');
  return subject.length > SUBJECT_LENGTH ? `${subject.slice(0, SUBJECT_LENGTH - 1)}…` : subject;
}
