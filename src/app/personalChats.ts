import { ChatPort, OutgoingMessage, PostedMessage, UnreachableUserError } from '../ports/chat';
import type { ConversationDirectory } from './conversations';

/** Where a user can be reached: the tenant and Teams serviceUrl to open a 1:1 chat with when none is stored. */
export interface Reach {
  tenantId?: string;
  serviceUrl?: string;
}

/**
 * Sends a user a message in their personal chat with the bot: the stored one when they spoke to the bot,
 * else a new one (works where the app is installed for them; throws where it is not).
 */
export async function sendToUser(
  deps: { chat: ChatPort; conversations: ConversationDirectory },
  userId: string,
  reach: Reach,
  message: OutgoingMessage,
): Promise<PostedMessage> {
  const personal = await deps.conversations.personalChatOf(userId);
  if (personal) return deps.chat.post(personal.reference, message);
  const known = reach.serviceUrl ? reach : await deps.conversations.anyServiceUrl();
  if (!known?.serviceUrl || !known.tenantId) throw new UnreachableUserError();
  return deps.chat.postToUser(
    { aadObjectId: userId, tenantId: known.tenantId, serviceUrl: known.serviceUrl },
    message,
  );
}
