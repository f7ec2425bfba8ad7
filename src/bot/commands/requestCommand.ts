import { requestFormCard } from '../../cards/requestCards';
import { ENVIRONMENTS, validateRequestInput } from '../../domain/addressRequests';
import { answerSubmission, contactOf } from '../requestSubmission';
import type { CommandHandler } from '../types';

/**
 * `request` alone answers with the form; `request <account-name> [prod|nonprod|sandbox] [purpose…]` asks
 * straight away (environment nonprod unless named). The answer is the request's status card; the approval
 * card goes out right after, and the status card then says where it went.
 */
export const requestCommand: CommandHandler = {
  name: 'request',
  trigger: /^request$/i,
  usage: 'request [account-name] [prod|nonprod|sandbox] [purpose…]',
  summary: 'Ask for a root e-mail address for a new AWS account; without a name you get a form',
  async handle(ctx) {
    const { args } = ctx;
    if (!args) return { card: requestFormCard({ environment: 'nonprod' }) };
    const [accountName, ...rest] = args.split(' ');
    const named = (ENVIRONMENTS as readonly string[]).includes(rest[0]?.toLowerCase() ?? '');
    const environment = named ? rest.shift()!.toLowerCase() : 'nonprod';
    const checked = validateRequestInput({ accountName, purpose: rest.join(' '), environment });
    if (!checked.ok)
      return {
        text: `${Object.values(checked.errors).join(' ')} For example: \`request payments-prod prod Card payments\`, or type \`request\` for a form.`,
      };
    const result = await ctx.services.requests.submit(checked.value, ctx.actor, 'chat', contactOf(ctx));
    return answerSubmission(ctx, result, {
      duplicate: (text) => ({ text }),
      noApprover: (reason) => ({ text: reason }),
    });
  },
};
