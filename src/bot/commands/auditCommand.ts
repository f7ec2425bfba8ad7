import { auditTrailCard } from '../../cards/addressCards';
import { mayReadAudit } from '../../domain/permissions';
import type { CommandHandler } from '../types';

/** `audit <address | request-id>`: the history of a subject; owners see their addresses, admins everything. */
export const auditCommand: CommandHandler = {
  name: 'audit',
  trigger: /^audit$/i,
  usage: 'audit <address | account name | request-id | root-access id>',
  summary: 'Show who changed an address or a request, and when',
  async handle({ args, actor, services, timeZone }) {
    const typed = args.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!typed) return { text: 'Say `audit <address>` or `audit <request-id>`.' };
    // An account name stands for its one address (whatever its state); a request id and an address as typed.
    const subject =
      typed.includes('@') || /^(req|ra)-/.test(typed)
        ? typed
        : await services.addresses
            .resolveAddress(typed, ['assigned', 'quarantined', 'retired'])
            .catch(() => typed);
    const record = subject.includes('@')
      ? await services.addresses.get(subject).catch(() => undefined)
      : undefined;
    // A request, or a root access (same readers: its requester, approvers, readers and admins).
    const request = subject.includes('@')
      ? undefined
      : /^ra-/.test(subject)
        ? await services.aws?.rootAccess.get(subject)
        : await services.requests.get(subject);
    const verdict = mayReadAudit(actor, { record, request });
    if (!verdict.allowed) return { text: verdict.reason };
    const events = await services.audit.about(subject);
    if (!events.length) return { text: `There is no history for \`${subject.slice(0, 80)}\`.` };
    return { card: auditTrailCard(subject, events, timeZone) };
  },
};
