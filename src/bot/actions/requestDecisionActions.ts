import { requestCardFor, requestStatusCard } from '../../cards/requestCards';
import { VERBS } from '../../cards/verbs';
import type { Outcome } from '../../domain/addressRequests';
import { formatTime } from '../../domain/requestWording';
import type { CardActionContext, CardActionHandler, Reply } from '../types';

/**
 * Approve / Reject on the approval card: the decision is stored and the click answered at once (the first
 * stored decision wins, every other click learns who decided); updating the other copies, allocating and
 * telling the requester follow as background work.
 */
async function decideFromCard(ctx: CardActionContext, outcome: Outcome): Promise<Reply> {
  const { data, actor, services, clicked } = ctx;
  const requestId = typeof data.requestId === 'string' ? data.requestId : '';
  const comment = typeof data.comment === 'string' ? data.comment : undefined;
  const result = await services.requests.decide(requestId, actor, outcome, comment);
  switch (result.kind) {
    case 'not-found':
      return { text: `There is no request ${requestId.slice(0, 40)}.` };
    case 'decided':
      return {
        card: requestStatusCard(result.request),
        followUp: () =>
          services.requests.carryOut(result.request.requestId, { answeredActivityId: clicked?.activityId }),
      };
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
    case 'refused': {
      const reason =
        result.reason === 'own-request'
          ? 'You cannot decide your own request; it is waiting for someone else. Your attempt was recorded.'
          : `Only ${result.request.approvers.map((p) => p.name).join(' or ')} can decide this request. Your attempt was recorded.`;
      // A legacy Action.Submit answer replaces the card for everyone: the refusal is a message instead.
      return ctx.viaSubmit
        ? { text: `${ctx.actor.name}: ${reason}` }
        : { card: requestStatusCard(result.request, reason, { decide: false }) };
    }
  }
}

export const requestApproveAction: CardActionHandler = {
  verb: VERBS.requestApprove,
  handle: (ctx) => decideFromCard(ctx, 'approved'),
};

export const requestRejectAction: CardActionHandler = {
  verb: VERBS.requestReject,
  handle: (ctx) => decideFromCard(ctx, 'rejected'),
};

/** Universal Actions refresh: approvers of a pending request get the buttons, everyone else the status. */
export const requestRefreshAction: CardActionHandler = {
  verb: VERBS.requestRefresh,
  async handle({ data, actor, services }) {
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    const request = await services.requests.get(requestId);
    if (!request) return { text: `There is no request ${requestId.slice(0, 40)}.` };
    return { card: requestCardFor(request, actor.id) };
  },
};
