import { retireConfirmCard } from '../../cards/addressCards';
import { retire } from '../../domain/addressChanges';
import { retireConsequence } from '../../domain/addressWording';
import { splitArgs } from '../commandText';
import type { CommandHandler } from '../types';

/**
 * `retire <address | account name> [reason]`: asks first. The confirmation card says what will happen
 * (quarantine until when, or retired for good) and the reason that will be kept; the Retire button does it
 * (src/bot/actions/addressChangeActions.ts) and the owner is told.
 */
export const retireCommand: CommandHandler = {
  name: 'retire',
  trigger: /^retire$/i,
  usage: 'retire <address | account name> [reason]',
  summary: 'Retire an address when its AWS account is closed (I ask you to confirm; the owner is told)',
  async handle({ args, actor, services }) {
    const [typed, reason] = splitArgs(args);
    if (!typed)
      return { text: 'Say `retire <address> [reason]`, e.g. `retire aws-k3x9@contoso.com account closed`.' };
    const record = await services.addresses.changeable(typed, actor);
    const now = services.clock.now();
    const { quarantineDays } = services.config.addresses;
    retire(record, reason, actor, now.toISOString(), quarantineDays); // refuses now what the button would
    return {
      card: retireConfirmCard(
        record,
        reason.slice(0, 200) || undefined,
        retireConsequence(record, quarantineDays, now),
      ),
    };
  },
};
