import { requestFormCard } from '../../cards/requestCards';
import { defaultEnvironment, environmentProblem, validateRequestInput } from '../../domain/addressRequests';
import { submitRequest } from '../requestSubmission';
import type { CommandHandler } from '../types';

/**
 * `request <account-name> [<environment> [purpose…]]` asks straight away (environment nonprod when only the
 * name is given; a second word must be one of ENVIRONMENTS, and is never taken for another or for the
 * purpose). `request` alone: in a personal chat a guided chat asks for each part (people there type, and it
 * works in every client); in channels and group chats, where several people share the conversation, the
 * form card. `request form` gives the form anywhere. The answer is the request's status card; the approval
 * card goes out right after, and the status card then says where it went.
 */
export const requestCommand: CommandHandler = {
  name: 'request',
  trigger: /^request$/i,
  usage: 'request [account-name] [environment] [purpose…]',
  summary:
    'Ask for a root e-mail address for a new AWS account. Alone, I ask you for each part; "request form" gives a form',
  async handle(ctx) {
    const { args, scope } = ctx;
    const environments = ctx.services.config.environments;
    const form = () => ({
      card: requestFormCard({ environment: defaultEnvironment(environments), environments }),
    });
    if (/^form$/i.test(args)) return form();
    if (!args) return scope === 'personal' ? { dialog: 'request' } : form();
    const [accountName, environmentWord, ...purpose] = args.split(' ');
    const example = `For example: \`request ${accountName.slice(0, 40)} ${environments[0]} Card payments\`, or type \`request\` and I ask for each part.`;
    if (environmentWord && environmentProblem(environmentWord, environments))
      return { text: `${environmentProblem(environmentWord, environments)} ${example}` };
    const environment = environmentWord ?? defaultEnvironment(environments);
    const checked = validateRequestInput(
      { accountName, purpose: purpose.join(' '), environment },
      environments,
    );
    if (!checked.ok) return { text: `${Object.values(checked.errors).join(' ')} ${example}` };
    return submitRequest(ctx, checked.value);
  },
};
