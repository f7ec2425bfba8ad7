import { addressRecordCard } from '../../cards/addressCards';
import { describeOwner } from '../../domain/addressChanges';
import { splitArgs } from '../commandText';
import { reachOf } from '../requestSubmission';
import type { CommandHandler } from '../types';

/** `restore <address | account name>`: admins give an address in quarantine back to its last owner. */
export const restoreCommand: CommandHandler = {
  name: 'restore',
  trigger: /^restore$/i,
  usage: 'restore <address | account name>',
  summary: 'Admins: give a retired address back to its last owner while it is still in quarantine',
  async handle(ctx) {
    const { args, actor, services } = ctx;
    const [typed] = splitArgs(args);
    if (!typed) return { text: 'Say `restore <address>`, e.g. `restore aws-k3x9@contoso.com`.' };
    const address = await services.addresses.resolveAddress(typed, ['quarantined']);
    const record = await services.addresses.restore(address, actor);
    return {
      card: addressRecordCard(`Restored to ${describeOwner(record.owner)}: assigned again`, record),
      followUp: () => services.addressNotices.restored(record, actor, reachOf(ctx)),
    };
  },
};
