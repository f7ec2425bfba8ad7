import { rootAccessCardFor } from '../../cards/rootAccessCards';
import { VERBS } from '../../cards/verbs';
import type { Outcome } from '../../domain/addressRequests';
import { formatTime } from '../../domain/timeWording';
import { cardOf, changeReply, rootAccessOf } from '../rootAccessReplies';
import type { CardActionContext, CardActionHandler, Reply } from '../types';

const accessIdOf = (ctx: CardActionContext) =>
  typeof ctx.data.accessId === 'string' ? ctx.data.accessId.slice(0, 40) : '';

/**
 * Approve / Reject on a root access's card: the decision is stored and the click answered at once (the first
 * stored decision wins, nobody decides their own, admins included); the other copies and the news follow.
 */
async function decideFromCard(ctx: CardActionContext, outcome: Outcome): Promise<Reply> {
  const { data, actor, clicked } = ctx;
  const rootAccess = rootAccessOf(ctx);
  const accessId = accessIdOf(ctx);
  const comment = typeof data.comment === 'string' ? data.comment : undefined;
  const result = await rootAccess.decide(accessId, actor, outcome, comment);
  switch (result.kind) {
    case 'not-found':
      return { text: `There is no root access ${accessId}.` };
    case 'decided':
      return {
        card: cardOf(ctx, result.access, 'status'),
        followUp: () => rootAccess.carryOut(accessId, { answeredActivityId: clicked?.activityId }),
      };
    case 'already-decided': {
      const d = result.access.decision;
      const note = d
        ? `Already decided: ${d.by.name} ${d.outcome} this at ${formatTime(d.at)}. Nothing was changed.`
        : `Nobody can decide this any more (${result.access.state}). Nothing was changed.`;
      return { card: cardOf(ctx, result.access, 'status', note) };
    }
    case 'refused': {
      const reason =
        result.reason === 'own-request'
          ? 'You cannot approve your own root access, admins included: it waits for someone else. Your attempt was recorded.'
          : `Only ${result.access.approvers.map((p) => p.name).join(' or ')} can decide this. Your attempt was recorded.`;
      // A legacy Action.Submit answer replaces the card for everyone: the refusal is a message instead.
      return ctx.viaSubmit
        ? { text: `${actor.name}: ${reason}` }
        : { card: rootAccessCardFor(result.access, actor.id, rootAccess.settings, reason) };
    }
  }
}

export const rootAccessApproveAction: CardActionHandler = {
  verb: VERBS.rootAccessApprove,
  handle: (ctx) => decideFromCard(ctx, 'approved'),
};

export const rootAccessRejectAction: CardActionHandler = {
  verb: VERBS.rootAccessReject,
  handle: (ctx) => decideFromCard(ctx, 'rejected'),
};

/** Universal Actions refresh: approvers of a pending access decide, the requester starts, everyone else reads. */
export const rootAccessRefreshAction: CardActionHandler = {
  verb: VERBS.rootAccessRefresh,
  async handle(ctx) {
    const rootAccess = rootAccessOf(ctx);
    const access = await rootAccess.get(accessIdOf(ctx));
    if (!access) return { text: `There is no root access ${accessIdOf(ctx)}.` };
    return { card: rootAccessCardFor(access, ctx.actor.id, rootAccess.settings) };
  },
};

/** Start on the requester's card: the requester alone, within the window; AWS follows after the answer. */
export const rootAccessStartAction: CardActionHandler = {
  verb: VERBS.rootAccessStart,
  handle: async (ctx) =>
    changeReply(
      ctx,
      await rootAccessOf(ctx).start(accessIdOf(ctx), ctx.actor),
      'requester',
      ctx.clicked ?? {},
    ),
};

/** Done on the session card (the requester), or End on on-call's copy (admins): the session closes. */
export const rootAccessDoneAction: CardActionHandler = {
  verb: VERBS.rootAccessDone,
  async handle(ctx) {
    const result = await rootAccessOf(ctx).done(accessIdOf(ctx), ctx.actor);
    const mine = result.kind === 'changed' && result.access.requester.id === ctx.actor.id;
    return changeReply(ctx, result, mine ? 'requester' : 'oncall', ctx.clicked ?? {});
  },
};
