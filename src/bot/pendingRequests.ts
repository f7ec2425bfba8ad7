import type { AppServices } from '../app/services';
import { AddressRequest, isApprover } from '../domain/addressRequests';
import { formatTime } from '../domain/requestWording';
import type { Actor } from './types';

/**
 * `list pending`: the pending requests someone may see: admins all of them, everyone else the ones they
 * asked for or have to decide.
 */
export async function pendingRequestsText(services: AppServices, actor: Actor): Promise<string> {
  const pending = await services.requests.listPending(200);
  const visible = services.isAdmin(actor.id)
    ? pending
    : pending.filter((r) => r.requester.id === actor.id || isApprover(r, actor.id));
  if (!visible.length)
    return 'Pending requests: none for you. Ask for an address with `request <account-name>`.';
  const shown = visible.slice(0, 30);
  return [
    `Pending requests (${visible.length}${visible.length > shown.length ? `, showing ${shown.length}` : ''}):`,
    ...shown.map((r) => `- ${line(r, actor.id)}`),
  ].join('\n');
}

function line(r: AddressRequest, viewerId: string): string {
  const waitingFor = isApprover(r, viewerId)
    ? 'waiting for you'
    : `waiting for ${r.approvers.map((p) => p.name).join(' or ')}`;
  return `${r.requestId}: ${r.accountName} (${r.environment}) for ${r.requester.name}, ${waitingFor}, expires ${formatTime(r.expiresAt)}`;
}
