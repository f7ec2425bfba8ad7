import { addressListCard, addressRecordCard } from '../../cards/addressCards';
import type { CommandHandler } from '../types';

/** `whois <aws-account-id | address | owner>`: one lookup, by point read where it can be. */
export const whoisCommand: CommandHandler = {
  name: 'whois',
  trigger: /^whois$/i,
  usage: 'whois <aws-account-id | address | owner>',
  summary: 'Find the record for an AWS account id, an address, or everything an owner has',
  async handle({ args, services }) {
    const wanted = args.trim().split(/\s+/)[0] ?? '';
    if (!wanted)
      return {
        text: 'Say what to look up: `whois 123456789012`, `whois aws-k3x9@contoso.com` or `whois alice@contoso.com`.',
      };
    if (/^\d+$/.test(wanted)) {
      const record = await services.addresses.byAwsAccountId(wanted);
      return record
        ? { card: addressRecordCard('Address record', record) }
        : { text: `No address is linked to AWS account ${wanted}.` };
    }
    if (wanted.includes('@')) {
      const record = await services.addresses.get(wanted).catch(() => undefined);
      if (record) return { card: addressRecordCard('Address record', record) };
    }
    const owned = await services.addresses.byOwner(wanted);
    if (!owned.length)
      return { text: `I found no address and no owner matching \`${wanted.slice(0, 80)}\`.` };
    return { card: addressListCard(`Addresses owned by ${wanted}`, owned) };
  },
};
