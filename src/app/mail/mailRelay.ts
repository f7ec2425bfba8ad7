import { classifyRootMail, toLegacyVerdict } from '../../domain/mailClassification';
import type { Logger } from '../../log/logger';
import type { ChatPort } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { EmailChangeCodes } from '../aws/emailChangeCodes';
import type { ConversationDirectory } from '../conversations';
import { mailAlertCardFor } from './mailCard';
import type { MailRecord, MailRecords, MailSource, SecretRecord } from './mailRecords';
import { noteOwner } from './ownerNote';
import { readMail } from './readMail';

/** What happened to one mail; returned to the inject endpoint, logged for the others. */
export interface RelayOutcome {
  mailId: string;
  outcome: 'posted' | 'duplicate' | 'ignored' | 'no-channel' | 'handed-over';
  mailClass?: string;
  authenticity?: string;
  routed?: boolean;
}

export interface MailRelayDeps {
  records: MailRecords;
  addresses: Pick<AddressRegistry, 'findRecipient'>;
  conversations: ConversationDirectory;
  chat: ChatPort;
  clock: Clock;
  logger: Logger;
  /** Domains that are ours (the central mailbox's, the plus address's): a redirect by them is internal. */
  internalDomains: string[];
  secretTtlMinutes: number;
  /** Root-e-mail-change codes for an alias an adoption is waiting on go there, never to a card (AWS on). */
  emailChangeCodes?: EmailChangeCodes;
}

/**
 * The pipeline every source feeds (Graph, the inject endpoint, SMTP): read → exactly-once guard → which
 * account → classify → keep the secret → post the card → note the owner.
 */
export class MailRelay {
  constructor(private readonly deps: MailRelayDeps) {}

  /** `since`: when the mail was handed to us (a notification), so the logged time includes the fetch. */
  async relay(
    raw: Buffer | string,
    source: MailSource,
    since = process.hrtime.bigint(),
  ): Promise<RelayOutcome> {
    const started = since;
    const fetchedAt = process.hrtime.bigint();
    const { records, clock, logger } = this.deps;
    const mail = await readMail(raw);
    const parsedAt = process.hrtime.bigint();
    const claim = await records.claim(mail.mailId, source);
    if (!claim) {
      logger.info({ mailId: mail.mailId, source }, 'mail already relayed; duplicate ignored');
      return { mailId: mail.mailId, outcome: 'duplicate' };
    }

    const full = classifyRootMail({ ...mail.facts, internalDomains: this.deps.internalDomains });
    const verdict = toLegacyVerdict(full);
    const record = await this.deps.addresses.findRecipient(mail.recipients);
    const now = clock.now();
    const ttlSeconds = this.deps.secretTtlMinutes * 60;
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    const doc: MailRecord = {
      mailId: claim.mailId,
      state: claim.state,
      startedAt: claim.startedAt,
      source: claim.source,
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
      await records.save(claim, { ...doc, state: 'ignored' });
      logger.info(log, 'mail is not an AWS root-user mail; not posted');
      return { ...log, outcome: 'ignored' };
    }

    const changeCode =
      full.kind === 'email-change-code' && full.secret?.type === 'code' ? full.secret : undefined;
    if (changeCode && verdict.authenticity === 'trusted' && record && this.deps.emailChangeCodes) {
      const taken = await this.deps.emailChangeCodes.take({
        address: record.address,
        code: changeCode.value,
        mailId: mail.mailId,
        receivedAt: doc.receivedAt!,
      });
      if (taken) {
        await records.save(claim, {
          ...doc,
          state: 'handed-over',
          secretType: undefined,
          secretState: 'none',
          expiresAt: undefined,
        });
        logger.info(log, 'root e-mail change code handed to the adoption waiting for it; not posted');
        return { ...log, outcome: 'handed-over' };
      }
    }

    if (verdict.secret) {
      const secret: SecretRecord = {
        mailId: mail.mailId,
        type: verdict.secret.type,
        value: verdict.secret.value,
        expiresAt,
        ttl: ttlSeconds,
      };
      await records.keepSecret(secret);
    }

    const channel = await this.deps.conversations.channelFor('oncall');
    const decidedAt = process.hrtime.bigint();
    if (!channel) {
      await records.save(claim, { ...doc, state: 'no-channel' });
      logger.error(
        log,
        'no on-call channel is set up (an admin types `setup oncall`); mail kept, not posted',
      );
      return { ...log, outcome: 'no-channel' };
    }
    const posted = await this.deps.chat.postToChannel(channel.reference, {
      card: mailAlertCardFor(doc, now),
    });
    await records.save(claim, { ...doc, state: 'posted', posted });
    const postedAt = process.hrtime.bigint();
    if (record?.owner && verdict.authenticity === 'trusted') {
      await noteOwner(this.deps, record.owner, channel, doc).catch((err) =>
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
}
