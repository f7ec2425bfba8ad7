import type { Owner } from '../../domain/addressRecords';
import type { ChannelSetting } from '../conversations';
import type { AppServices } from '../services';
import { kindOf } from './mailCard';
import type { MailRecord } from './mailRecords';

/**
 * Tells the owner of an address that AWS wrote to it, without the secret: in their stored personal chat,
 * else by opening one (works where the app is installed for them).
 */
export async function noteOwner(
  services: Pick<AppServices, 'chat' | 'conversations'>,
  owner: Owner,
  channel: ChannelSetting,
  mail: MailRecord,
): Promise<void> {
  const text =
    `AWS sent a mail (${kindOf(mail).toLowerCase()}) to ${mail.address}` +
    `${mail.accountName ? `, the root address of ${mail.accountName}` : ''}. ` +
    `It was posted to the on-call channel${channel.channelName ? ` (${channel.channelName})` : ''}; ` +
    'on-call can reveal the code there. If you did not expect it, tell on-call.';
  const personal = await services.conversations.personalChatOf(owner.id);
  if (personal) {
    await services.chat.post(personal.reference, { text });
    return;
  }
  const tenantId = channel.reference.conversation?.tenantId;
  if (!tenantId || !channel.reference.serviceUrl)
    throw new Error('no tenant known to open a chat with the owner');
  await services.chat.postToUser(
    { aadObjectId: owner.id, tenantId, serviceUrl: channel.reference.serviceUrl },
    { text },
  );
}
