import { requestFormCard } from '../../cards/requestCards';
import { ENVIRONMENTS, validateRequestInput } from '../../domain/addressRequests';
import { submitRequest } from '../requestSubmission';
import type { CommandHandler } from '../types';

/**
 * `request <account-name> [prod|nonprod|sandbox] [purpose…]` asks straight away (environment nonprod unless
 * named). `request` alone: in a personal chat a guided chat asks for each part (people there type, and it
 * works in every client); in channels and group chats, where several people share the conversation, the
 * form card. `request form` gives the form anywhere. The answer is the request's status card; the approval
 * card goes out right after, and the status card then says where it went.
 */
export const requestCommand: CommandHandler = {
  name: 'request',
  trigger: /^request$/i,
  usage: 'request [account-name] [prod|nonprod|sandbox] [purpose…]',
  summary:
    'Ask for a root e-mail address for a new AWS account. Alone, I ask you for each part; "request form" gives a form',
  async handle(ctx) {
    const { args, scope } = ctx;
    if (/^form$/i.test(args)) return { card: requestFormCard({ environment: 'nonprod' }) };
    if (!args)
      return scope === 'personal'
        ? { dialog: 'request' }
        : { card: requestFormCard({ environment: 'nonprod' }) };
    const [accountName, ...rest] = args.split(' ');
    const named = (ENVIRONMENTS as readonly string[]).includes(rest[0]?.toLowerCase() ?? '');
    const environment = named ? rest.shift()!.toLowerCase() : 'nonprod';
    const checked = validateRequestInput({ accountName, purpose: rest.join(' '), environment });
    if (!checked.ok)
      return {
        text: `${Object.values(checked.errors).join(' ')} For example: \`request payments-prod prod Card payments\`, or type \`request\` and I ask for each part.`,
      };
    return submitRequest(ctx, checked.value);
  },
};
