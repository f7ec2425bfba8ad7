import type { ConversationReference } from 'botbuilder';
import type { AdaptiveCard } from '../cards/cardTemplates';

/** What the app sends to Teams: plain text, a card, or both. */
export interface OutgoingMessage {
  text?: string;
  card?: AdaptiveCard;
}

export interface PostedMessage {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

export interface ChatMember {
  id: string;
  aadObjectId?: string;
  name?: string;
}

/**
 * The chat port: proactive posts, new conversations and card updates through the Bot Framework. The
 * only place that knows about continueConversation and createConversation.
 */
export interface ChatPort {
  /** Posts into an existing conversation (personal chat, group chat or channel thread). */
  post(reference: Partial<ConversationReference>, message: OutgoingMessage): Promise<PostedMessage>;
  /** Starts a new thread in a channel. */
  postToChannel(reference: Partial<ConversationReference>, message: OutgoingMessage): Promise<PostedMessage>;
  /** Opens (or reuses) the 1:1 chat with a user and posts; fails where the app is not installed for them. */
  postToUser(
    user: { aadObjectId: string; tenantId: string; serviceUrl: string },
    message: OutgoingMessage,
  ): Promise<PostedMessage>;
  /** Replaces a message the bot posted earlier (cards updated in place). */
  update(posted: PostedMessage, message: OutgoingMessage): Promise<void>;
  /** A member of the team (when teamId is given) or of the chat, or undefined when not a member. */
  getMember(
    reference: Partial<ConversationReference>,
    aadObjectId: string,
    teamId?: string,
  ): Promise<ChatMember | undefined>;
}
