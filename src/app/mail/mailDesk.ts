import { mayActOnMail, Principal } from '../../domain/permissions';
import { formatTime } from '../../domain/timeWording';
import type { ChatPort, CardJson } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AuditLog } from '../auditLog';
import type { ConversationDirectory } from '../conversations';
import { isSecretExpired, isTrusted, labelOf, mailAlertCardFor, mailSecretCardFor } from './mailCard';
import type { MailRecord, MailRecords } from './mailRecords';
import type { RootSessionMail } from './mailRelay';
import { isOnCallMember } from './onCall';
import { Reach, sendToUser } from '../personalChats';

export interface MailDeskDeps {
  records: MailRecords;
  /** The root-access feature: a mail handed to a session's requester is revealed only while it is live. */
  rootSessions?: Pick<RootSessionMail, 'liveSessionFor'>;
  audit: AuditLog;
  chat: ChatPort;
  conversations: ConversationDirectory;
  clock: Clock;
}

/**
 * What an on-call action answers the person who clicked: a card for them, or a sentence; `afterwards` is
 * what to do once they have it (e.g. update the channel card for everyone).
 */
export type DeskAnswer = ({ card: CardJson } | { message: string }) & { afterwards?: () => Promise<void> };

const GONE: DeskAnswer = { message: 'I have no record of that mail any more.' };

/**
 * What on-call does with a relayed mail: reveal its secret to themselves, hide it again, claim the task.
 * Every attempt, allowed or refused, is audited under `mail:<id>` and under the mail's address.
 */
export class MailDesk {
  constructor(private readonly deps: MailDeskDeps) {}

  /** The secret for this user only (an invoke answer): never in the channel card, never in a log. */
  async reveal(mailId: string, who: Principal): Promise<DeskAnswer> {
    const { records, clock } = this.deps;
    const mail = await records.get(mailId);
    if (!mail) return GONE;
    if (mail.revealFor && mail.revealFor.id !== who.id.toLowerCase()) {
      // A root-access session's sign-in mail: its requester alone, admins and on-call included.
      await this.record(mail, who, 'mail.reveal.refused', `handed to ${mail.revealFor.name} alone`);
      return {
        message: `This was handed to ${mail.revealFor.name} alone, for root-access session ${mail.rootAccessId}: nobody else can reveal it. Your attempt was recorded.`,
      };
    }
    if (mail.revealFor && !(await this.sessionLive(mail))) {
      await this.record(mail, who, 'mail.reveal.refused', `root access ${mail.rootAccessId} is closed`);
      return {
        message: `Root-access session ${mail.rootAccessId} is closed, and with it this link: ask for root access again if you still need it.`,
      };
    }
    const verdict = mail.revealFor ? { allowed: true as const } : await this.mayAct(who);
    if (!verdict.allowed) {
      await this.record(mail, who, 'mail.reveal.refused', 'not on call');
      return { message: verdict.reason };
    }
    const secret =
      isTrusted(mail) && !isSecretExpired(mail, clock.now())
        ? await records.secretOf(mail.mailId)
        : undefined;
    if (!secret) {
      await this.record(mail, who, 'mail.reveal.refused', 'expired or withheld');
      return { message: 'This code or link has expired (or was withheld); it can no longer be revealed.' };
    }
    await this.record(
      mail,
      who,
      'mail.reveal',
      `${labelOf(mail)} for ${mail.address ?? 'an unrouted address'}`,
    );
    return { card: mailSecretCardFor(mail, secret) };
  }

  /**
   * Reveal from a legacy Action.Submit button, which cannot answer one user alone: the secret goes to the
   * clicker's personal chat instead, and the channel hears only that it was sent.
   */
  async revealPrivately(mailId: string, who: Principal, reach: Reach): Promise<DeskAnswer> {
    const answer = await this.reveal(mailId, who);
    if (!('card' in answer)) return answer;
    await sendToUser(this.deps, who.id, reach, { card: answer.card });
    return { message: `${who.name}: I sent it to you in a personal chat.` };
  }

  /** Back from the revealed view to the channel card (for that user only). */
  async hide(mailId: string): Promise<DeskAnswer> {
    const mail = await this.deps.records.get(mailId);
    return mail ? { card: mailAlertCardFor(mail, this.deps.clock.now()) } : GONE;
  }

  /** "I'm on it": the channel card shows, for everyone, who took the task and when. */
  async claim(mailId: string, who: Principal): Promise<DeskAnswer> {
    const { records, clock, chat } = this.deps;
    const mail = await records.get(mailId);
    if (!mail) return GONE;
    const verdict = await this.mayAct(who);
    if (!verdict.allowed) {
      await this.record(mail, who, 'mail.claim.refused', 'not on call');
      return { message: verdict.reason };
    }
    let earlier: MailRecord['claimedBy'];
    const { document, changed } = await records.change(mailId, (current) => {
      earlier = current.claimedBy;
      return earlier
        ? undefined
        : { ...current, claimedBy: { id: who.id, name: who.name, at: clock.now().toISOString() } };
    });
    if (!changed || !document) {
      return {
        message: `${earlier?.name ?? 'Someone'} already claimed this${earlier?.at ? ` at ${formatTime(earlier.at)}` : ''}.`,
      };
    }
    const card = mailAlertCardFor(document, clock.now());
    await this.record(document, who, 'mail.claim');
    const posted = document.posted;
    return { card, afterwards: posted && (() => chat.update(posted, { card })) };
  }

  private async sessionLive(mail: MailRecord): Promise<boolean> {
    const live = await this.deps.rootSessions?.liveSessionFor(mail.address ?? '', mail.awsAccountId);
    return live?.accessId === mail.rootAccessId;
  }

  private async mayAct(who: Principal) {
    return mayActOnMail(who, who.admin || (await isOnCallMember(this.deps, who.id)));
  }

  private async record(mail: MailRecord, who: Principal, action: string, detail?: string): Promise<void> {
    for (const subject of [`mail:${mail.mailId}`, mail.address].filter((s): s is string => !!s)) {
      await this.deps.audit.record({ subject, action, actorId: who.id, actorName: who.name, detail });
    }
  }
}
