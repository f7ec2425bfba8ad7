import { requestFormCard } from '../../cards/requestCards';
import { VERBS } from '../../cards/verbs';
import { validateRequestInput } from '../../domain/addressRequests';
import { answerSubmission, contactOf } from '../requestSubmission';
import type { CardActionHandler } from '../types';

/** The request form's button: a bad field brings the form back with the values kept and the problem shown. */
export const requestSubmitAction: CardActionHandler = {
  verb: VERBS.requestSubmit,
  async handle(ctx) {
    const { data } = ctx;
    const values = {
      accountName: text(data.accountName),
      purpose: text(data.purpose),
      environment: text(data.environment),
      costCentre: text(data.costCentre),
    };
    const environments = ctx.services.config.environments;
    const checked = validateRequestInput(values, environments);
    if (!checked.ok) return { card: requestFormCard({ ...values, environments, errors: checked.errors }) };
    const result = await ctx.services.requests.submit(checked.value, ctx.actor, 'chat', contactOf(ctx));
    return answerSubmission(ctx, result, {
      duplicate: (problem) => ({
        card: requestFormCard({ ...values, environments, errors: { accountName: problem } }),
      }),
      noApprover: (reason) => ({ card: requestFormCard({ ...values, environments, problem: reason }) }),
    });
  },
};

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 2000) : '';
}
