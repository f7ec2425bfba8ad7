import { findPeople, personLabel } from '../../app/people';
import { personPickCard, transferConfirmCard } from '../../cards/addressCards';
import { transfer } from '../../domain/addressChanges';
import { splitArgs } from '../commandText';
import type { CommandHandler } from '../types';

/** Most people a picker offers (a card's buttons). */
const PICKED = 5;

/**
 * `transfer <address | account name> <person>`: the person by display name, UPN, mail or object id (the
 * directory's people search). Several matches: a card to pick one; then a confirmation card, whose button
 * transfers and tells both owners (src/bot/actions/addressChangeActions.ts).
 */
export const transferCommand: CommandHandler = {
  name: 'transfer',
  trigger: /^transfer$/i,
  usage: 'transfer <address | account name> <person>',
  summary: 'Give an address to a new owner (name, UPN, mail or object id; I ask you to confirm)',
  async handle({ args, actor, services }) {
    const [typed, who] = splitArgs(args);
    if (!typed || !who)
      return {
        text: 'Say `transfer <address> <person>`, e.g. `transfer aws-k3x9@contoso.com Megan Bowen` or `transfer payments-prod bob@contoso.com`.',
      };
    const record = await services.addresses.changeable(typed, actor);
    const people = await findPeople(services.directory, who);
    if (!people.length)
      return {
        text: `I can't find “${who.slice(0, 80)}” in the directory: give a display name, UPN, mail or Entra object id.`,
      };
    if (people.length > 1)
      return {
        card: personPickCard(
          record.address,
          who.slice(0, 80),
          people.slice(0, PICKED).map((p) => ({ id: p.id, label: personLabel(p) })),
        ),
      };
    const [person] = people;
    transfer(record, { id: person.id }, actor, services.clock.now().toISOString()); // refuses now what the button would
    return { card: transferConfirmCard(record, { id: person.id, label: personLabel(person) }) };
  },
};
