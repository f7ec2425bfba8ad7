import type { AppServices } from '../services';

/**
 * On-call = members of the team that owns the on-call channel, asked of Teams at the moment of the
 * action (membership changes take effect at once), plus the admins.
 */
export async function isOnCall(
  services: Pick<AppServices, 'conversations' | 'chat' | 'isAdmin'>,
  userId: string,
): Promise<boolean> {
  if (!userId) return false;
  if (services.isAdmin(userId)) return true;
  const setting = await services.conversations.channelFor('oncall');
  if (!setting) return false;
  const member = await services.chat.getMember(setting.reference, userId, setting.teamId);
  return member !== undefined;
}
