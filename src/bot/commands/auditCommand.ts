import { auditTrailCard } from '../../cards/addressCards';
import { cardAttachment } from '../../cards/cardTemplates';
import { isApprover } from '../../domain/addressRequests';
import type { CommandHandler } from '../types';

/** `audit <address | request-id>`: the history of a subject; owners see their addresses, admins everything. */
export const auditCommand: CommandHandler = {
  name: 'audit',
  trigger: /^audit$/i,
  usage: 'audit <address | request-id>',
  summary: 'Show who changed an address or a request, and when',
  async handle({ turn, args, actor, services }) {
    const subject = args.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!subject) {
      await turn.sendActivity('Say `audit <address>` or `audit <request-id>`.');
      return;
    }
    if (!services.isAdmin(actor.id)) {
      const record = subject.includes('@')
        ? await services.addresses.get(subject).catch(() => undefined)
        : undefined;
      const request = subject.includes('@') ? undefined : await services.requests.get(subject);
      const involved = request && (request.requester.id === actor.id || isApprover(request, actor.id));
      if (record?.owner?.id !== actor.id && !involved) {
        await turn.sendActivity(
          'Only an admin, or the owner of the address (for a request: its requester and approvers), can see its history.',
        );
        return;
      }
    }
    const events = await services.audit.about(subject);
    if (!events.length) {
      await turn.sendActivity(`There is no history for \`${subject.slice(0, 80)}\`.`);
      return;
    }
    await turn.sendActivity({ attachments: [cardAttachment(auditTrailCard(subject, events))] });
  },
};
