import type { AddressRecord } from '../../domain/addressRecords';
import { addressListCard, addressRecordCard } from '../../cards/addressCards';
import { cardAttachment } from '../../cards/cardTemplates';
import { answeringAddressErrors } from '../addressChat';
import type { CommandHandler } from '../types';

/** `whois <aws-account-id | address | owner>`: one lookup, by point read where it can be. */
export const whoisCommand: CommandHandler = {
  name: 'whois',
  trigger: /^whois$/i,
  usage: 'whois <aws-account-id | address | owner>',
  summary: 'Find the record for an AWS account id, an address, or everything an owner has',
  async handle({ turn, args, services }) {
    const wanted = args.trim().split(/\s+/)[0] ?? '';
    if (!wanted) {
      await turn.sendActivity(
        'Say what to look up: `whois 123456789012`, `whois aws-k3x9@contoso.com` or `whois alice@contoso.com`.',
      );
      return;
    }
    await answeringAddressErrors(async () => {
      if (/^\d+$/.test(wanted)) {
        const record = await services.addresses.byAwsAccountId(wanted);
        await answer(record, `No address is linked to AWS account ${wanted}.`);
        return;
      }
      if (wanted.includes('@')) {
        const record = await services.addresses.get(wanted);
        if (record) return answer(record, '');
      }
      const owned = await services.addresses.byOwner(wanted);
      if (!owned.length) {
        await turn.sendActivity(`I found no address and no owner matching \`${wanted.slice(0, 80)}\`.`);
        return;
      }
      await turn.sendActivity({
        attachments: [cardAttachment(addressListCard(`Addresses owned by ${wanted}`, owned))],
      });
    });

    async function answer(record: AddressRecord | undefined, notFound: string) {
      if (!record) await turn.sendActivity(notFound);
      else
        await turn.sendActivity({
          attachments: [cardAttachment(addressRecordCard('Address record', record))],
        });
    }
  },
};
