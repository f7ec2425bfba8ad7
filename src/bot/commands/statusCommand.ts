import { readOperationalStatus } from '../../app/operationalStatus';
import { cardAttachment } from '../../cards/cardTemplates';
import { statusCard } from '../../cards/statusCard';
import type { CommandHandler } from '../types';

/** `status`: store, mailbox subscription, pool per mailbox, pending approvals and the last relayed mail. */
export const statusCommand: CommandHandler = {
  name: 'status',
  trigger: /^status$/i,
  usage: 'status',
  summary: 'Admins: store, mailbox subscription, pool, pending approvals, last relayed mail',
  async handle({ turn, actor, services }) {
    if (!services.isAdmin(actor.id)) {
      await turn.sendActivity('`status` is for admins (ADMIN_IDS). Try `pool` to see the address pool.');
      return;
    }
    const status = await readOperationalStatus(services);
    await turn.sendActivity({ attachments: [cardAttachment(statusCard(status))] });
  },
};
