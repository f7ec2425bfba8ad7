import { requestCardFor, requestStatusCard } from '../../cards/requestCards';
import { Outcome } from '../../domain/addressRequests';
import { formatTime } from '../../domain/requestWording';
import type { CardActionContext, CardActionHandler, CardActionResult } from '../types';

/** Approve / Reject on the approval card: exactly one decision wins, every other click learns who decided. */
async function decideFromCard(ctx: CardActionContext, outcome: Outcome): Promise<CardActionResult> {
  const { data, actor, services } = ctx;
  const requestId = typeof data.requestId === 'string' ? data.requestId : '';
  const comment = typeof data.comment === 'string' ? data.comment : undefined;
  const result = await services.requests.decide(
    requestId,
    { id: actor.id, name: actor.name },
    outcome,
    comment,
  );
  switch (result.kind) {
    case 'not-found':
      return { message: `There is no request ${requestId.slice(0, 40)}.` };
    case 'decided':
      return { card: requestStatusCard(result.request) };
    case 'already-decided': {
      const request = result.request;
      const who = request.decision?.by.name ?? request.closed?.by.name ?? 'someone';
      const what = request.decision?.outcome ?? request.state;
      const when = formatTime(request.decision?.at ?? request.closed?.at);
      return {
        card: requestStatusCard(
          request,
          `Already decided: ${who} ${what} this request at ${when}. Nothing was changed.`,
        ),
      };
    }
    case 'refused':
      return {
        card: requestStatusCard(
          result.request,
          result.reason === 'own-request'
            ? 'You cannot decide your own request; it is waiting for someone else. Your attempt was recorded.'
            : `Only ${result.request.approvers.map((p) => p.name).join(' or ')} can decide this request. Your attempt was recorded.`,
        ),
      };
  }
}

export const requestApproveAction: CardActionHandler = {
  verb: 'request.approve',
  handle: (ctx) => decideFromCard(ctx, 'approved'),
};

export const requestRejectAction: CardActionHandler = {
  verb: 'request.reject',
  handle: (ctx) => decideFromCard(ctx, 'rejected'),
};

/** Universal Actions refresh: approvers of a pending request get the buttons, everyone else the status. */
export const requestRefreshAction: CardActionHandler = {
  verb: 'request.refresh',
  async handle({ data, actor, services }) {
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    const request = await services.requests.get(requestId);
    if (!request) return { message: `There is no request ${requestId.slice(0, 40)}.` };
    return { card: requestCardFor(request, actor.id) };
  },
};
