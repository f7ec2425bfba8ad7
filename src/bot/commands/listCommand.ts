import { addressListCard } from '../../cards/addressCards';
import { cardAttachment } from '../../cards/cardTemplates';
import type { AddressRecord } from '../../domain/addressRecords';
import { pendingRequestsText } from '../pendingRequests';
import type { CommandHandler } from '../types';

const LIST_LIMIT = 100;

/** `list [mine|pending|all]`: my addresses, or (admins) every address in use. */
export const listCommand: CommandHandler = {
  name: 'list',
  trigger: /^list$/i,
  usage: 'list [mine|pending|all]',
  summary: 'List your addresses, or pending requests; admins can list all',
  async handle({ turn, args, actor, services }) {
    const which = (args.trim().split(/\s+/)[0] || 'mine').toLowerCase();
    if (which === 'mine') {
      const mine = await services.addresses.byOwner(actor.id);
      if (!mine.length) {
        await turn.sendActivity('You own no addresses yet. Ask for one with `request <account-name>`.');
        return;
      }
      await send('Your addresses', mine);
      return;
    }
    if (which === 'all') {
      if (!services.isAdmin(actor.id)) {
        await turn.sendActivity('Only an admin can list all addresses. Try `list mine`.');
        return;
      }
      const inUse = [
        ...(await services.addresses.byState('assigned', LIST_LIMIT)),
        ...(await services.addresses.byState('quarantined', LIST_LIMIT)),
      ].slice(0, LIST_LIMIT);
      if (!inUse.length) {
        await turn.sendActivity('No address is assigned or in quarantine. `pool` shows the free ones.');
        return;
      }
      await send(
        'Addresses in use',
        inUse,
        inUse.length === LIST_LIMIT ? `Showing the first ${LIST_LIMIT}.` : '',
      );
      return;
    }
    if (which === 'pending') {
      await turn.sendActivity(await pendingRequestsText(services, actor));
      return;
    }
    await turn.sendActivity('Say `list mine`, `list pending` or `list all`.');

    async function send(heading: string, records: AddressRecord[], note = '') {
      await turn.sendActivity({ attachments: [cardAttachment(addressListCard(heading, records, note))] });
    }
  },
};
