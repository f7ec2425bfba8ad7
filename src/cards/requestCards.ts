import { AddressRequest, DEFAULT_ENVIRONMENTS, InputErrors, isApprover } from '../domain/addressRequests';
import { describeState, formatTime } from '../domain/requestWording';
import { AdaptiveCard, prepareCard } from './cardTemplates';
import { trusted } from './inertText';
import requestFormTemplate from './requestForm.json';
import requestApprovalTemplate from './requestApproval.json';
import requestStatusTemplate from './requestStatus.json';
import requestResultTemplate from './requestResult.json';

const expandForm = prepareCard(requestFormTemplate);
const expandApproval = prepareCard(requestApprovalTemplate);
const expandStatus = prepareCard(requestStatusTemplate);
const expandResult = prepareCard(requestResultTemplate);

/** Teams refreshes a card for at most 60 listed users (Universal Actions). */
export const MAX_REFRESH_USERS = 60;

export interface RequestFormData {
  accountName?: string;
  purpose?: string;
  environment?: string;
  costCentre?: string;
  errors?: InputErrors;
  /** A problem that is not about one field (e.g. an open request for that name). */
  problem?: string;
  /** The configured environments, offered as they are named (ENVIRONMENTS). */
  environments?: readonly string[];
}

/** The form behind `request` alone; comes back with the values kept and each problem under its field. */
export function requestFormCard(data: RequestFormData = {}): AdaptiveCard {
  const errors = data.errors ?? {};
  return expandForm({
    // What the user typed goes back into the inputs unchanged (an input's value is not markdown).
    accountName: trusted((data.accountName ?? '').slice(0, 60)),
    purpose: trusted((data.purpose ?? '').slice(0, 500)),
    environment: trusted((data.environment ?? '').slice(0, 20)),
    costCentre: trusted((data.costCentre ?? '').slice(0, 30)),
    environments: (data.environments ?? DEFAULT_ENVIRONMENTS).map((value) => ({ value: trusted(value) })),
    problem: data.problem ?? '',
    errors: {
      accountName: errors.accountName ?? '',
      purpose: errors.purpose ?? '',
      environment: errors.environment ?? '',
      costCentre: errors.costCentre ?? '',
    },
  });
}

function facts(request: AddressRequest) {
  return {
    requestId: request.requestId,
    requesterName: request.requester.name,
    accountName: request.accountName,
    environment: request.environment,
    purpose: request.purpose ? request.purpose : '—',
    costCentre: request.costCentre ? request.costCentre : '—',
    askedAt: formatTime(request.createdAt),
    expiresAt: formatTime(request.expiresAt),
  };
}

function refreshUserIds(request: AddressRequest): string[] {
  // Teams matches refresh.userIds against user MRIs; the Entra id stands in until the MRI is known.
  return request.state === 'pending'
    ? request.approvers.slice(0, MAX_REFRESH_USERS).map((p) => p.teamsUserId ?? p.id)
    : [];
}

/** What an approver sees while the request is pending: the facts, a comment box, Approve and Reject. */
export function approvalCard(request: AddressRequest, note = ''): AdaptiveCard {
  return expandApproval({
    ...facts(request),
    note: note,
    refreshUserIds: refreshUserIds(request),
  });
}

const STATUS_COLOR: Record<AddressRequest['state'], string> = {
  pending: 'Default',
  approved: 'Good',
  'waiting-for-capacity': 'Warning',
  fulfilled: 'Good',
  rejected: 'Attention',
  cancelled: 'Default',
  expired: 'Warning',
  failed: 'Attention',
};

/**
 * The card everyone sees (the base card), and every copy after a decision: "Approved by X at T", "Rejected by
 * X: …". While the request is pending it carries Approve / Reject, so that clients without user-specific
 * views (the Agents Playground, some Teams clients) can decide too; the server decides who may. Views for
 * one person (`decide: false`) leave the buttons out where that person cannot decide.
 */
export function requestStatusCard(
  request: AddressRequest,
  note = '',
  options: { decide?: boolean } = {},
): AdaptiveCard {
  const card = expandStatus({
    ...facts(request),
    status: statusLine(request),
    statusColor: STATUS_COLOR[request.state],
    note: note,
    refreshUserIds: refreshUserIds(request),
    decidable: request.state === 'pending' && (options.decide ?? true),
    approverNames: request.approvers.map((p) => p.name).join(' or '),
  });
  if (card.refresh === null) delete card.refresh; // `$when` leaves null behind
  if (Array.isArray(card.actions) && card.actions.length === 0) delete card.actions;
  return card;
}

/** The Universal Actions view for one user: approvers of a pending request get the comment box and buttons. */
export function requestCardFor(request: AddressRequest, userId: string, note = ''): AdaptiveCard {
  return request.state === 'pending' && isApprover(request, userId)
    ? approvalCard(request, note)
    : requestStatusCard(request, note, { decide: false });
}

export function statusLine(request: AddressRequest): string {
  const d = request.decision;
  switch (request.state) {
    case 'approved':
    case 'fulfilled':
    case 'waiting-for-capacity':
      return `Approved by ${d?.by.name} at ${formatTime(d?.at)}${d?.comment ? `: ${d.comment}` : ''}`;
    case 'rejected':
      return `Rejected by ${d?.by.name}${d?.comment ? `: ${d.comment}` : ' (no comment)'}`;
    default:
      return describeState(request).replace(/^./, (c) => c.toUpperCase());
  }
}

/** Sent to the requester once the address is allocated, with what to do next. */
export function requestResultCard(request: AddressRequest): AdaptiveCard {
  return expandResult({
    requestId: request.requestId,
    address: request.address ?? '',
    linkCommand: `link ${request.address ?? ''} <12-digit account id>`,
    adoptsAccountId: request.adoptsAccountId ?? '',
    accountName: request.accountName,
    environment: request.environment,
    approverName: request.decision?.by.name ?? '',
    approvedAt: formatTime(request.decision?.at),
  });
}
