import { resolveOwner } from '../../app/people';
import { addressRecordCard } from '../../cards/addressCards';
import { splitArgs } from '../commandText';
import type { CommandHandler } from '../types';

/** `transfer <address> <owner>`: hands a record to someone else (UPN or object id, checked in the directory). */
export const transferCommand: CommandHandler = {
  name: 'transfer',
  trigger: /^transfer$/i,
  usage: 'transfer <address> <owner>',
  summary: 'Give an address to a new owner (UPN or Entra object id)',
  async handle({ args, actor, services }) {
    const [address, rest] = splitArgs(args);
    const newOwner = rest.split(/\s+/)[0];
    if (!address || !newOwner)
      return {
        text: 'Say `transfer <address> <owner>`, e.g. `transfer aws-k3x9@contoso.com bob@contoso.com`.',
      };
    const owner = await resolveOwner(services.directory, newOwner);
    const record = await services.addresses.transfer(address, owner, actor);
    return { card: addressRecordCard('Transferred', record) };
  },
};
