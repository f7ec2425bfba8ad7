import { addressRecordCard } from '../../cards/addressCards';
import { splitArgs } from '../commandText';
import type { CommandHandler } from '../types';

/** `retire <address> [reason]`: pool aliases rest in quarantine before reuse; plus addresses are never reused. */
export const retireCommand: CommandHandler = {
  name: 'retire',
  trigger: /^retire$/i,
  usage: 'retire <address> [reason]',
  summary: 'Retire an address when its AWS account is closed',
  async handle({ args, actor, services }) {
    const [address, reason] = splitArgs(args);
    if (!address)
      return { text: 'Say `retire <address> [reason]`, e.g. `retire aws-k3x9@contoso.com account closed`.' };
    const record = await services.addresses.retire(address, reason || undefined, actor);
    const heading =
      record.state === 'quarantined'
        ? `Retired: in quarantine until ${record.quarantineUntil?.slice(0, 10)}, then back in the pool`
        : 'Retired for good: a plus address is never handed out again';
    return { card: addressRecordCard(heading, record) };
  },
};
