import { inertText } from '../../cards/inertText';
import type { Owner } from '../../domain/addressRecords';
import type { ChatPort, OutgoingMessage, PostedMessage } from '../../ports/chat';
import type { ChannelSetting, ConversationDirectory } from '../conversations';
import { Reach, sendToUser } from '../personalChats';
import { labelOf } from './mailCard';
import type { MailRecord } from './mailRecords';

type ChatDeps = { chat: ChatPort; conversations: ConversationDirectory };

/**
 * What the owner of an address is told when a mail for it went to on-call, by class; never the secret. Mail text
 * (the subject) is made inert: a plain Teams message is markdown too.
 */
export function ownerNoteText(mail: MailRecord, channel: ChannelSetting): string {
  const where = `the on-call channel${channel.channelName ? ` (${inertText(channel.channelName, 80)})` : ''}`;
  const account = mail.accountName ? `, the root address of ${mail.accountName}` : '';
  const label = labelOf(mail).toLowerCase();
  const subject = mail.subject ? ` ("${inertText(mail.subject, 120)}")` : '';
  switch (mail.class) {
    case 'security':
      return (
        `AWS sent a security notice, ${label}${subject}, to ${mail.address}${account}. ` +
        `It was posted to ${where} as urgent. Please look at the account with on-call now.`
      );
    case 'aws-other':
      return (
        `AWS sent a mail${subject} to ${mail.address}${account}, one that fits none of the kinds RootMail knows. ` +
        `It was posted to ${where} for a look; ask on-call if you need its content.`
      );
    default:
      return (
        `AWS sent a mail (${label}) to ${mail.address}${account}. ` +
        `It was posted to ${where}; on-call can reveal the code or link there. If you did not expect it, tell on-call.`
      );
  }
}

/** Tells the owner of an address that AWS wrote to it and where the mail went, in their personal chat. */
export async function noteOwner(
  deps: ChatDeps,
  owner: Owner,
  channel: ChannelSetting,
  mail: MailRecord,
): Promise<void> {
  await sendToUser(deps, owner.id, reachOf(channel), { text: ownerNoteText(mail, channel) });
}

/** Sends the owner a message in their personal chat; the on-call channel's tenant and serviceUrl open it. */
export function sendToOwner(
  deps: ChatDeps,
  owner: Owner,
  channel: ChannelSetting | undefined,
  message: OutgoingMessage,
): Promise<PostedMessage> {
  return sendToUser(deps, owner.id, reachOf(channel), message);
}

function reachOf(channel: ChannelSetting | undefined): Reach {
  return channel
    ? { tenantId: channel.reference.conversation?.tenantId, serviceUrl: channel.reference.serviceUrl }
    : {};
}
