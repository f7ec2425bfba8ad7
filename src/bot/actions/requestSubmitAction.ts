import { TurnContext } from 'botbuilder';
import { requestFormCard, requestStatusCard } from '../../cards/requestCards';
import { validateRequestInput } from '../../domain/addressRequests';
import { describeDelivery, describeState } from '../../domain/requestWording';
import type { CardActionHandler } from '../types';

/** The request form's button: a bad field brings the form back with the values kept and the problem shown. */
export const requestSubmitAction: CardActionHandler = {
  verb: 'request.submit',
  async handle({ turn, data, actor, services }) {
    const values = {
      accountName: text(data.accountName),
      purpose: text(data.purpose),
      environment: text(data.environment),
      costCentre: text(data.costCentre),
    };
    const checked = validateRequestInput(values);
    if (!checked.ok) return { card: requestFormCard({ ...values, errors: checked.errors }) };

    const activity = turn.activity;
    const formCopy = activity.replyToId
      ? {
          audience: 'requester' as const,
          conversationId: activity.conversation.id,
          activityId: activity.replyToId,
          serviceUrl: activity.serviceUrl,
        }
      : undefined;
    const result = await services.requests.submit(
      checked.value,
      { id: actor.id, name: actor.name },
      'chat',
      {
        tenantId: actor.tenantId,
        serviceUrl: activity.serviceUrl,
        conversation: TurnContext.getConversationReference(activity) as Record<string, unknown>,
      },
      formCopy,
    );
    switch (result.kind) {
      case 'created':
        return { card: requestStatusCard(result.request, describeDelivery(result.request)) };
      case 'duplicate':
        return {
          card: requestFormCard({
            ...values,
            errors: {
              accountName: `There is already an open request for ${checked.value.accountName}: ${result.existing.requestId} (${describeState(result.existing)}). Choose another name, or cancel that request first.`,
            },
          }),
        };
      case 'no-approver':
        return { card: requestFormCard({ ...values, problem: result.reason }) };
    }
  },
};

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
