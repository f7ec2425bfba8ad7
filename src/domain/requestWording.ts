import type { AddressRequest, CancelRefusal } from './addressRequests';
import { formatTime } from './timeWording';

/**
 * What people read about a request: its state, where its card went, and the notices sent about it. One
 * place for the wording, so chat, cards and the API say the same thing.
 */

export function describeState(request: AddressRequest): string {
  const d = request.decision;
  switch (request.state) {
    case 'pending':
      return `waiting for ${request.approvers.map((p) => p.name).join(' or ')}`;
    case 'approved':
      return `approved by ${d?.by.name} at ${formatTime(d?.at)}`;
    case 'waiting-for-capacity':
      return `approved by ${d?.by.name} at ${formatTime(d?.at)}, waiting for capacity (the address pool is empty)`;
    case 'fulfilled':
      return `approved by ${d?.by.name} at ${formatTime(d?.at)}; address ${request.address}`;
    case 'rejected':
      return `rejected by ${d?.by.name}${d?.comment ? `: ${d.comment}` : ''}`;
    case 'cancelled':
      return `cancelled by ${request.closed?.by.name} at ${formatTime(request.closed?.at)}`;
    case 'expired':
      return `expired at ${formatTime(request.closed?.at)} without a decision`;
    case 'failed':
      return `approved by ${d?.by.name}, but no address could be allocated: ${request.failure}`;
  }
}

/** What the requester is told about where the approval card went. */
export function describeDelivery(request: AddressRequest): string {
  const names = request.approvers.map((p) => p.name).join(' or ');
  switch (request.delivery) {
    case 'undelivered':
      return `I could not reach ${names} in a personal chat and no approvals channel is set up, so nobody has been asked yet. Ask an admin to run "setup approvals" in a team channel; your request stays pending.`;
    case 'channel':
      return `${names} could not be reached in a personal chat, so the approval card was posted in the approvals channel.`;
    case 'personal':
      return `Sent to ${names} for approval.`;
    default:
      return `Sending the approval card to ${names}…`;
  }
}

export { formatTime };

/** The message the requester gets when their request ends or has to wait. */
export function requesterNotice(request: AddressRequest): string {
  const d = request.decision;
  switch (request.state) {
    case 'rejected':
      return `Your request ${request.requestId} for ${request.accountName} was rejected by ${d?.by.name}${d?.comment ? `: "${d.comment}"` : ' (no comment)'}.`;
    case 'expired':
      return `Your request ${request.requestId} for ${request.accountName} expired: nobody decided within the time allowed. Ask again with "request ${request.accountName}".`;
    case 'failed':
      return `Your request ${request.requestId} for ${request.accountName} was approved by ${d?.by.name}, but no address could be allocated: ${request.failure} Ask again with another account name.`;
    case 'waiting-for-capacity':
      return `Your request ${request.requestId} for ${request.accountName} was approved by ${d?.by.name}, but the address pool is empty. The admins have been told; the address will arrive here as soon as the pool is topped up.`;
    default:
      return `Your request ${request.requestId} is now ${request.state}.`;
  }
}

/** Why a cancel was refused, in the requester's words. */
export function describeCancelRefusal(request: AddressRequest, reason: CancelRefusal): string {
  return reason === 'not-requester'
    ? `Only ${request.requester.name}, who asked, can cancel ${request.requestId}.`
    : `${request.requestId} is ${describeState(request)}; only a pending request can be cancelled.`;
}
