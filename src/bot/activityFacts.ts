import type { Activity } from 'botbuilder';
import { TurnContext } from 'botbuilder';
import type { ConversationFacts } from '../app/conversations';
import type { AppServices } from '../app/services';
import type { ConversationRef } from '../ports/chat';
import { knownTimeZone } from '../domain/auditWording';
import type { Actor, ConversationScope } from './types';

/** What the app keeps of an activity: where it came from and who sent it, in our own terms. */

export function scopeOf(activity: Partial<Activity>): ConversationScope {
  const type = activity.conversation?.conversationType;
  return type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
}

export function conversationFactsOf(activity: Partial<Activity>): ConversationFacts {
  const channelData = (activity.channelData ?? {}) as Record<
    string,
    { id?: string; name?: string } | undefined
  >;
  const kind = scopeOf(activity);
  return {
    kind,
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
    teamId: channelData.team?.id,
    channelId: channelData.channel?.id,
    channelName: channelData.channel?.name,
    serviceUrl: activity.serviceUrl ?? '',
    userId: kind === 'personal' ? activity.from?.aadObjectId?.toLowerCase() : undefined,
    reference: TurnContext.getConversationReference(activity) as ConversationRef,
  };
}

export function actorOf(activity: Partial<Activity>, services: AppServices): Actor {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  const id = (activity.from?.aadObjectId ?? activity.from?.id ?? '').toLowerCase();
  return {
    ...services.chatPrincipal(id, activity.from?.name ?? 'someone'),
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
  };
}

/**
 * A channel message's text without the bot's @mention. The mention entities come from the client and may
 * lack `mentioned` or `text`, and the message its text (botbuilder's removeRecipientMention throws on those):
 * each mention of the bot that carries its text is cut out once, anything else is left as it is.
 */
export function textWithoutBotMention(activity: Partial<Activity>): string {
  let text = typeof activity.text === 'string' ? activity.text : '';
  for (const entity of activity.entities ?? []) {
    const mention = entity as { type?: unknown; mentioned?: { id?: unknown }; text?: unknown };
    if (mention.type !== 'mention' || mention.mentioned?.id !== activity.recipient?.id) continue;
    if (typeof mention.text === 'string' && mention.text) text = text.replace(mention.text, '');
  }
  return text.trim();
}

/**
 * The sender's time zone: Teams sends it with every message as `localTimezone` and in the clientInfo
 * entity (`timezone`); only a zone the runtime knows is taken.
 */
export function timeZoneOf(activity: Partial<Activity>): string | undefined {
  const clientInfo = (activity.entities ?? []).find((e) => e.type === 'clientInfo') as
    { timezone?: unknown } | undefined;
  return knownTimeZone(activity.localTimezone) ?? knownTimeZone(clientInfo?.timezone);
}

export function isBotMentioned(activity: Partial<Activity>): boolean {
  return (activity.entities ?? []).some(
    (e) =>
      e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === activity.recipient?.id,
  );
}
