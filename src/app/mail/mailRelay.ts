import { classifyMail, domainOf } from '../../domain/mailClassification';
import { AlreadyExistsError, ConflictError, Stored } from '../../ports/documentStore';
import type { AppServices } from '../services';
import { findAddressRecipient } from './findAddressRecipient';
import { mailAlertCardFor } from './mailCard';
import type { MailRecord, MailSource, SecretRecord } from './mailRecords';
import { noteOwner } from './ownerNote';
import { readMail } from './readMail';

/** What happened to one mail; returned to the inject endpoint, logged for the others. */
export interface RelayOutcome {
  mailId: string;
  outcome: 'posted' | 'duplicate' | 'ignored' | 'no-channel';
  mailClass?: string;
  authenticity?: string;
  routed?: boolean;
}

/** A mail another instance started longer ago than this is taken over (it crashed mid-way). */
const TAKEOVER_AFTER_MS = 5 * 60_000;

type RelayServices = Pick<AppServices, 'store' | 'clock' | 'logger' | 'chat' | 'conversations' | 'config'>;

/**
 * The pipeline every source feeds (Graph, the inject endpoint, SMTP): read → exactly-once guard → which
 * account → classify → keep the secret → post the card → note the owner.
 */
export class MailRelay {
  constructor(private readonly services: RelayServices) {}

  /** `since`: when the mail was handed to us (a notification), so the logged time includes the fetch. */
  async relay(
    raw: Buffer | string,
    source: MailSource,
    since = process.hrtime.bigint(),
  ): Promise<RelayOutcome> {
    const started = since;
    const fetchedAt = process.hrtime.bigint();
    const { store, clock, logger, config } = this.services;
    const mail = await readMail(raw);
    const parsedAt = process.hrtime.bigint();
    const claim = await this.claim(mail.mailId, source);
    if (!claim) {
      logger.info({ mailId: mail.mailId, source }, 'mail already relayed; duplicate ignored');
      return { mailId: mail.mailId, outcome: 'duplicate' };
    }

    const verdict = classifyMail({ ...mail.facts, internalDomains: this.internalDomains() });
    const record = await findAddressRecipient(store, mail.recipients, config.addresses.plusAddress);
    const now = clock.now();
    const ttlSeconds = config.timers.secretTtlMinutes * 60;
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    const doc: MailRecord = {
      ...claim.doc,
      mailClass: verdict.mailClass,
      authenticity: verdict.authenticity,
      reasons: verdict.reasons,
      forwarded: verdict.forwarded,
      from: mail.fromAddress,
      receivedAt: (mail.receivedAt ?? now).toISOString(),
      address: record?.address,
      recipients: mail.recipients.slice(0, 10),
      accountName: record?.accountName,
      awsAccountId: record?.awsAccountId,
      owner: record?.owner,
      secretType: verdict.secret?.type,
      secretState: verdict.secret ? 'live' : 'none',
      expiresAt: verdict.secret ? expiresAt : undefined,
    };
    const log = {
      mailId: mail.mailId,
      source,
      mailClass: verdict.mailClass,
      authenticity: verdict.authenticity,
      routed: !!record,
    };

    if (verdict.mailClass === 'unrelated' && verdict.authenticity === 'trusted') {
      await store.replace('mails', mail.mailId, { ...doc, state: 'ignored' }, claim.etag);
      logger.info(log, 'mail is not an AWS root-user mail; not posted');
      return { ...log, outcome: 'ignored' };
    }

    if (verdict.secret) {
      const secret: SecretRecord = {
        mailId: mail.mailId,
        type: verdict.secret.type,
        value: verdict.secret.value,
        expiresAt,
        ttl: ttlSeconds,
      };
      await store.upsert('secrets', mail.mailId, secret); // same content on a takeover: last writer wins
    }

    const channel = await this.services.conversations.channelFor('oncall');
    const decidedAt = process.hrtime.bigint();
    if (!channel) {
      await store.replace('mails', mail.mailId, { ...doc, state: 'no-channel' }, claim.etag);
      logger.error(
        log,
        'no on-call channel is set up (an admin types `setup oncall`); mail kept, not posted',
      );
      return { ...log, outcome: 'no-channel' };
    }
    const posted = await this.services.chat.postToChannel(channel.reference, {
      card: mailAlertCardFor(doc, now),
    });
    await store.replace('mails', mail.mailId, { ...doc, state: 'posted', posted }, claim.etag);
    const postedAt = process.hrtime.bigint();
    if (record?.owner && verdict.authenticity === 'trusted') {
      await noteOwner(this.services, record.owner, channel, doc).catch((err) =>
        logger.warn({ err, mailId: mail.mailId }, 'could not send the owner a note'),
      );
    }
    const ms = (from: bigint, to: bigint) => Math.round(Number(to - from) / 1e4) / 100;
    const durationMs = ms(started, postedAt);
    const phasesMs = {
      fetch: ms(started, fetchedAt),
      parse: ms(fetchedAt, parsedAt),
      decide: ms(parsedAt, decidedAt),
      post: ms(decidedAt, postedAt),
    };
    logger.info({ ...log, durationMs, phasesMs }, 'mail relayed to the on-call channel');
    return { ...log, outcome: 'posted' };
  }

  /** Create-if-absent on the mail id; an abandoned record is taken over by etag (one instance wins). */
  private async claim(
    mailId: string,
    source: MailSource,
  ): Promise<{ doc: MailRecord; etag: string } | undefined> {
    const { store, clock } = this.services;
    const doc: MailRecord = { mailId, state: 'processing', startedAt: clock.now().toISOString(), source };
    try {
      const created = await store.create('mails', mailId, doc);
      return { doc, etag: created._etag };
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    const existing = await store.get<MailRecord>('mails', mailId);
    if (!existing || !isAbandoned(existing, clock.now())) return undefined;
    try {
      const taken: Stored<MailRecord> = await store.replace('mails', mailId, doc, existing._etag);
      return { doc, etag: taken._etag };
    } catch (err) {
      if (err instanceof ConflictError) return undefined; // another instance took it first
      throw err;
    }
  }

  private internalDomains(): string[] {
    const { mail, addresses } = this.services.config;
    return [mail.mailbox, addresses.plusAddress]
      .filter((a): a is string => !!a && a.includes('@'))
      .map(domainOf);
  }
}

/** Crashed mid-way, or kept while no on-call channel was set up: the next delivery finishes it. */
function isAbandoned(mail: MailRecord, now: Date): boolean {
  if (mail.state === 'no-channel') return true;
  return mail.state === 'processing' && now.getTime() - Date.parse(mail.startedAt) > TAKEOVER_AFTER_MS;
}
