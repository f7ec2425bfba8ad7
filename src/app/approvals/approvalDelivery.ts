import type { CardCopy, Person } from '../../domain/addressRequests';
import { MAX_REFRESH_USERS } from '../../cards/requestCards';
import type { Logger } from '../../log/logger';
import type { ChatPort, OutgoingMessage, PostedMessage } from '../../ports/chat';
import type { ChannelSetting, ConversationDirectory } from '../conversations';
import type { PostOutcome } from '../workflows/postsOnce';

export interface ApprovalDeliveryDeps {
  chat: ChatPort;
  conversations: ConversationDirectory;
  logger: Logger;
}

/** What one approval card is, for one thing to approve (an address request, a root access). */
export interface ApprovalToDeliver {
  /** For the log. */
  subject: string;
  approvers: Person[];
  /** Where to open a 1:1 chat with an approver who has none stored (the requester's tenant and Teams). */
  reach?: { serviceUrl: string; tenantId?: string };
  /** A new message at most once, keyed (the workflow's PostsOnce, on its document). */
  postOnce(key: string, send: () => Promise<PostedMessage>): Promise<PostOutcome>;
  /** The card in an approver's personal chat. */
  approverMessage: OutgoingMessage;
  /** The card in the approvals channel (its approvers carry the Teams user ids refresh.userIds needs). */
  channelMessage(approvers: Person[]): OutgoingMessage;
}

export interface Delivered {
  copies: CardCopy[];
  delivery: 'personal' | 'channel' | 'undelivered';
  /** The approvers, with the Teams user ids learnt for the channel copy. */
  approvers: Person[];
}

/**
 * The approval card on its way, the same for everything approved: to each approver's personal chat (the
 * stored one, else a new 1:1 chat by their Entra id), and to the approvals channel when an approver could not
 * be reached that way. Each post at most once; Teams down for the channel makes the caller's step retry.
 */
export class ApprovalDelivery {
  constructor(private readonly deps: ApprovalDeliveryDeps) {}

  async deliver(what: ApprovalToDeliver): Promise<Delivered> {
    const { chat, conversations, logger } = this.deps;
    const copies: CardCopy[] = [];
    let reached = 0;
    let unreachable = 0;
    for (const approver of what.approvers.slice(0, 10)) {
      // The approver's stored personal chat first (where they installed the app or wrote to the bot; in the
      // Agents Playground their own window), else a new 1:1 chat opened by their Entra id.
      const personal = await conversations.personalChatOf(approver.id);
      const reach = what.reach;
      if (!personal && !reach) {
        unreachable++;
        continue;
      }
      const outcome = await what.postOnce(`approval:${approver.id}`, () =>
        personal
          ? chat.post(personal.reference, what.approverMessage)
          : chat.postToUser(
              { aadObjectId: approver.id, tenantId: reach!.tenantId ?? '', serviceUrl: reach!.serviceUrl },
              what.approverMessage,
            ),
      );
      if (outcome.kind === 'refused') {
        unreachable++;
        logger.info(
          { err: outcome.error, subject: what.subject },
          'approval card could not go to a personal chat',
        );
        continue;
      }
      reached++; // sent, or perhaps sent: the approver is not asked twice
      if (outcome.kind === 'sent') copies.push({ audience: 'approver', ...outcome.posted });
    }
    let delivery: Delivered['delivery'] = 'personal';
    let approvers = what.approvers;
    if (reached === 0 || unreachable > 0) {
      const channel = await conversations.channelFor('approvals');
      if (channel) {
        // The channel copy shows approvers their buttons through refresh.userIds, which takes Teams user ids.
        approvers = await this.withTeamsUserIds(what.approvers, channel);
        const message = what.channelMessage(approvers);
        const outcome = await what.postOnce('approval:channel', () =>
          chat.postToChannel(channel.reference, message),
        );
        if (outcome.kind === 'refused') throw outcome.error; // Teams down: the step is tried again later
        if (reached === 0) delivery = 'channel';
        if (outcome.kind === 'sent') copies.push({ audience: 'channel', ...outcome.posted });
      } else if (reached === 0) delivery = 'undelivered';
    }
    return { copies, delivery, approvers };
  }

  /** Every copy shows the latest state; a copy that cannot be updated makes the step retry. */
  async updateCopies(
    copies: readonly CardCopy[],
    messageFor: (copy: CardCopy) => OutgoingMessage,
    answeredActivityId?: string,
  ): Promise<void> {
    const failures: unknown[] = [];
    for (const copy of copies) {
      if (copy.activityId === answeredActivityId) continue; // the click's answer replaced it already
      await this.deps.chat.update(copy, messageFor(copy)).catch((err) => failures.push(err));
    }
    if (failures.length) throw failures[0];
  }

  /** Looks each approver up in the channel's team (Bot Connector member API); non-members keep their Entra id. */
  private async withTeamsUserIds(people: Person[], channel: ChannelSetting): Promise<Person[]> {
    return Promise.all(
      people.map(async (person, index) => {
        if (person.teamsUserId || index >= MAX_REFRESH_USERS) return person;
        const member = await this.deps.chat
          .getMember(channel.reference, person.id, channel.teamId)
          .catch((err) => {
            this.deps.logger.warn(
              { err, approver: person.id },
              'could not look an approver up in the approvals team',
            );
            return undefined;
          });
        return member ? { ...person, teamsUserId: member.id } : person;
      }),
    );
  }
}

/** The copies with `added` appended, each message once (a step run again finds its own copies again). */
export function withCopies(copies: CardCopy[], added: CardCopy[]): CardCopy[] {
  const known = new Set(copies.map((c) => `${c.conversationId}|${c.activityId}`));
  return [...copies, ...added.filter((c) => !known.has(`${c.conversationId}|${c.activityId}`))];
}
