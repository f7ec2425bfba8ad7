import { TurnContext } from 'botbuilder';
import { cardAttachment } from '../../cards/cardTemplates';
import { requestFormCard } from '../../cards/requestCards';
import { ENVIRONMENTS, validateRequestInput } from '../../domain/addressRequests';
import { describeState } from '../../domain/requestWording';
import type { CommandHandler } from '../types';

/**
 * `request` alone answers with the form; `request <account-name> [prod|nonprod|sandbox] [purpose…]` asks
 * straight away (environment nonprod unless named). The approval card and the status go out from the
 * request's own work steps.
 */
export const requestCommand: CommandHandler = {
  name: 'request',
  trigger: /^request$/i,
  usage: 'request [account-name] [prod|nonprod|sandbox] [purpose…]',
  summary: 'Ask for a root e-mail address for a new AWS account; without a name you get a form',
  async handle({ turn, args, actor, services }) {
    if (!args) {
      await turn.sendActivity({ attachments: [cardAttachment(requestFormCard({ environment: 'nonprod' }))] });
      return;
    }
    const [accountName, ...rest] = args.split(' ');
    const named = (ENVIRONMENTS as readonly string[]).includes(rest[0]?.toLowerCase() ?? '');
    const environment = named ? rest.shift()!.toLowerCase() : 'nonprod';
    const checked = validateRequestInput({ accountName, purpose: rest.join(' '), environment });
    if (!checked.ok) {
      await turn.sendActivity(
        `${Object.values(checked.errors).join(' ')} For example: \`request payments-prod prod Card payments\`, or type \`request\` for a form.`,
      );
      return;
    }
    const result = await services.requests.submit(checked.value, { id: actor.id, name: actor.name }, 'chat', {
      tenantId: actor.tenantId,
      serviceUrl: turn.activity.serviceUrl,
      conversation: TurnContext.getConversationReference(turn.activity) as Record<string, unknown>,
    });
    if (result.kind === 'duplicate') {
      await turn.sendActivity(
        `There is already an open request for ${checked.value.accountName}: ${result.existing.requestId} ` +
          `(${describeState(result.existing)}). Wait for it, or if it is yours, withdraw it with \`cancel ${result.existing.requestId}\`.`,
      );
    } else if (result.kind === 'no-approver') {
      await turn.sendActivity(result.reason);
    }
  },
};
