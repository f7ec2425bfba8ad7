import { addressListCard } from '../../cards/addressCards';
import { isApprover } from '../../domain/addressRequests';
import { mayListAllAddresses } from '../../domain/permissions';
import { formatTime } from '../../domain/requestWording';
import type { CommandHandler } from '../types';

const LIST_LIMIT = 100;
const PENDING_SHOWN = 30;

/** `list [mine|pending|all]`: my addresses, pending requests I asked for or decide, or (admins) every address in use. */
export const listCommand: CommandHandler = {
  name: 'list',
  trigger: /^list$/i,
  usage: 'list [mine|pending|all]',
  summary: 'List your addresses, or pending requests; admins can list all',
  async handle({ args, actor, services }) {
    const which = (args.trim().split(/\s+/)[0] || 'mine').toLowerCase();
    if (which === 'mine') {
      const mine = await services.addresses.byOwner(actor.id);
      if (!mine.length)
        return { text: 'You own no addresses yet. Ask for one with `request <account-name>`.' };
      return { card: addressListCard('Your addresses', mine) };
    }
    if (which === 'all') {
      const verdict = mayListAllAddresses(actor);
      if (!verdict.allowed) return { text: verdict.reason };
      const inUse = [
        ...(await services.addresses.byState('assigned', LIST_LIMIT)),
        ...(await services.addresses.byState('quarantined', LIST_LIMIT)),
      ].slice(0, LIST_LIMIT);
      if (!inUse.length)
        return { text: 'No address is assigned or in quarantine. `pool` shows the free ones.' };
      const note = inUse.length === LIST_LIMIT ? `Showing the first ${LIST_LIMIT}.` : '';
      return { card: addressListCard('Addresses in use', inUse, note) };
    }
    if (which === 'pending') {
      const pending = await services.requests.listPending(200);
      const visible = actor.admin
        ? pending
        : pending.filter((r) => r.requester.id === actor.id || isApprover(r, actor.id));
      if (!visible.length)
        return { text: 'Pending requests: none for you. Ask for an address with `request <account-name>`.' };
      const shown = visible.slice(0, PENDING_SHOWN);
      const lines = shown.map((r) => {
        const waitingFor = isApprover(r, actor.id)
          ? 'waiting for you'
          : `waiting for ${r.approvers.map((p) => p.name).join(' or ')}`;
        return `- ${r.requestId}: ${r.accountName} (${r.environment}) for ${r.requester.name}, ${waitingFor}, expires ${formatTime(r.expiresAt)}`;
      });
      const more = visible.length > shown.length ? `, showing ${shown.length}` : '';
      return { text: [`Pending requests (${visible.length}${more}):`, ...lines].join('\n') };
    }
    return { text: 'Say `list mine`, `list pending` or `list all`.' };
  },
};
