import type { FindingAnswer } from '../../app/aws/reconciler';
import { AwsNotConfiguredError } from '../../app/aws/awsErrors';
import { VERBS } from '../../cards/verbs';
import { contactOf } from '../requestSubmission';
import type { CardActionContext, CardActionHandler, Reply } from '../types';

const subjectOf = (ctx: CardActionContext) => (typeof ctx.data.subject === 'string' ? ctx.data.subject : '');
const asReply = (answer: FindingAnswer): Reply => ({
  text: answer.text,
  card: answer.card,
  followUp: answer.afterwards,
});

function awsOf(ctx: CardActionContext) {
  if (!ctx.services.aws) throw new AwsNotConfiguredError();
  return ctx.services.aws;
}

/** Retire on a drift card: the owner or an admin, as `retire`; answered at once, the retire follows. */
export const awsRetireAction: CardActionHandler = {
  verb: VERBS.awsRetire,
  handle: async (ctx) =>
    asReply(await awsOf(ctx).reconciler.retireFromFinding(subjectOf(ctx), ctx.actor, ctx.clicked)),
};

/** Adopt on a drift card: admins, as `adopt`; answered at once, the address request follows. */
export const awsAdoptAction: CardActionHandler = {
  verb: VERBS.awsAdopt,
  handle: async (ctx) =>
    asReply(
      await awsOf(ctx).reconciler.adoptFromFinding(subjectOf(ctx), ctx.actor, contactOf(ctx), ctx.clicked),
    ),
};

/**
 * Remove on a root-access-key / root-password finding: admins, as `root-credentials remove`; MFA devices only
 * when the card's toggle asks. Answered at once; the removal waits for someone else's approval.
 */
export const rootCredentialsRemoveAction: CardActionHandler = {
  verb: VERBS.rootCredentialsRemove,
  handle: async (ctx) =>
    asReply(
      await awsOf(ctx).reconciler.removeFromFinding(subjectOf(ctx), ctx.actor, {
        mfa: ctx.data.mfa === 'true' || ctx.data.mfa === true,
        contact: contactOf(ctx),
      }),
    ),
};
