import type { Owner } from '../../domain/addressRecords';
import type { ChatPort } from '../../ports/chat';
import type { ChannelSetting, ConversationDirectory } from '../conversations';
import { sendToUser } from '../personalChats';
import { kindOf } from './mailCard';
import type { MailRecord } from './mailRecords';

/** Tells the owner of an address that AWS wrote to it, without the secret, in their personal chat. */
export async function noteOwner(
  deps: { chat: ChatPort; conversations: ConversationDirectory },
  owner: Owner,
  channel: ChannelSetting,
  mail: MailRecord,
): Promise<void> {
  const text =
    `AWS sent a mail (${kindOf(mail).toLowerCase()}) to ${mail.address}` +
    `${mail.accountName ? `, the root address of ${mail.accountName}` : ''}. ` +
    `It was posted to the on-call channel${channel.channelName ? ` (${channel.channelName})` : ''}; ` +
    'on-call can reveal the code there. If you did not expect it, tell on-call.';
  await sendToUser(
    deps,
    owner.id,
    { tenantId: channel.reference.conversation?.tenantId, serviceUrl: channel.reference.serviceUrl },
    { text },
  );
}
