import { addressRecordCard } from '../../cards/addressCards';
import { cardAttachment } from '../../cards/cardTemplates';
import { resolveOwner } from '../../app/resolveOwner';
import { addressActor, answeringAddressErrors, splitArgs } from '../addressChat';
import type { CommandHandler } from '../types';

/** `transfer <address> <owner>`: hands a record to someone else (UPN or object id, checked in the directory). */
export const transferCommand: CommandHandler = {
  name: 'transfer',
  trigger: /^transfer$/i,
  usage: 'transfer <address> <owner>',
  summary: 'Give an address to a new owner (UPN or Entra object id)',
  async handle({ turn, args, actor, services }) {
    const [address, rest] = splitArgs(args);
    const newOwner = rest.split(/\s+/)[0];
    if (!address || !newOwner) {
      await turn.sendActivity(
        'Say `transfer <address> <owner>`, e.g. `transfer aws-k3x9@contoso.com bob@contoso.com`.',
      );
      return;
    }
    const record = await answeringAddressErrors(async () => {
      const owner = await resolveOwner(services.directory, newOwner);
      return services.addresses.transfer(address, owner, addressActor(actor, services));
    });
    await turn.sendActivity({
      attachments: [cardAttachment(addressRecordCard('Transferred', record))],
    });
  },
};
