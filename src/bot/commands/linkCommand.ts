import { addressRecordCard } from '../../cards/addressCards';
import { splitArgs } from '../commandText';
import type { CommandHandler } from '../types';

/** `link <address> <aws-account-id>`: records which AWS account uses the address. */
export const linkCommand: CommandHandler = {
  name: 'link',
  trigger: /^link$/i,
  usage: 'link <address | account name> <aws-account-id>',
  summary: 'Record the 12-digit AWS account id that uses an address',
  async handle({ args, actor, services }) {
    const [address, rest] = splitArgs(args);
    const accountId = rest.split(/\s+/)[0];
    if (!address || !accountId)
      return {
        text: 'Say `link <address> <aws-account-id>`, e.g. `link aws-k3x9@contoso.com 123456789012`.',
      };
    const resolved = await services.addresses.resolveAddress(address);
    const record = await services.addresses.linkAwsAccount(resolved, accountId, actor);
    return { card: addressRecordCard(`Linked to AWS account ${record.awsAccountId}`, record) };
  },
};
