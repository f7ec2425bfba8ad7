import { statusCard } from '../../cards/statusCard';
import { mayReadStatus } from '../../domain/permissions';
import type { CommandHandler } from '../types';

/** `status`: store, mailbox subscription, pool per mailbox, pending approvals and the last relayed mail. */
export const statusCommand: CommandHandler = {
  name: 'status',
  trigger: /^status$/i,
  usage: 'status',
  summary: 'Admins: store, mailbox subscription, pool, pending approvals, last relayed mail',
  async handle({ actor, services }) {
    const verdict = mayReadStatus(actor);
    if (!verdict.allowed) return { text: verdict.reason };
    return { card: statusCard(await services.status()) };
  },
};
