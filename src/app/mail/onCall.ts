import type { ChatPort } from '../../ports/chat';
import type { ConversationDirectory } from '../conversations';

/**
 * On-call = members of the team that owns the on-call channel, asked of Teams at the moment of the action
 * (membership changes take effect at once). Admins are allowed by the permission policy besides.
 */
export async function isOnCallMember(
  deps: { conversations: ConversationDirectory; chat: ChatPort },
  userId: string,
): Promise<boolean> {
  if (!userId) return false;
  const setting = await deps.conversations.channelFor('oncall');
  if (!setting) return false;
  return (await deps.chat.getMember(setting.reference, userId, setting.teamId)) !== undefined;
}
