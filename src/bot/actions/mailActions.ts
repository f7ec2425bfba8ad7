import type { DeskAnswer } from '../../app/mail/mailDesk';
import { VERBS } from '../../cards/verbs';
import type { CardActionContext, CardActionHandler, Reply } from '../types';

const mailIdOf = (ctx: CardActionContext) => (typeof ctx.data.mailId === 'string' ? ctx.data.mailId : '');
const asReply = (answer: DeskAnswer): Reply => ({
  ...('card' in answer ? { card: answer.card } : { text: answer.message }),
  followUp: answer.afterwards,
});

/** Reveal: shows the code or link to one on-call engineer only; the channel card stays masked. */
export const revealMailAction: CardActionHandler = {
  verb: VERBS.mailReveal,
  async handle(ctx) {
    const { services, actor } = ctx;
    // Action.Submit cannot answer one user alone: the secret then goes to their personal chat.
    return asReply(
      ctx.viaSubmit
        ? await services.mailDesk.revealPrivately(mailIdOf(ctx), actor, {
            tenantId: actor.tenantId,
            serviceUrl: ctx.conversation.serviceUrl,
          })
        : await services.mailDesk.reveal(mailIdOf(ctx), actor),
    );
  },
};

/** Hide: back from the revealed view to the channel card (for that user only). */
export const hideMailAction: CardActionHandler = {
  verb: VERBS.mailHide,
  handle: async (ctx) => asReply(await ctx.services.mailDesk.hide(mailIdOf(ctx))),
};

/** Claim ("I'm on it"): the channel card shows, for everyone, who took the task and when. */
export const claimMailAction: CardActionHandler = {
  verb: VERBS.mailClaim,
  handle: async (ctx) => asReply(await ctx.services.mailDesk.claim(mailIdOf(ctx), ctx.actor)),
};
