import type { AskResult, ChangeResult } from '../app/rootAccess/rootAccessService';
import { AwsNotConfiguredError } from '../app/aws/awsErrors';
import { rootAccessCard, RootAccessView } from '../cards/rootAccessCards';
import type { RootAccess } from '../domain/rootAccess';
import type { Reply, TurnFacts } from './types';

/** The root-access feature, or the answer that AWS is not configured. */
export function rootAccessOf({ services }: Pick<TurnFacts, 'services'>) {
  if (!services.aws) throw new AwsNotConfiguredError();
  return services.aws.rootAccess;
}

/** A root access's card in one view, with the service's settings. */
export function cardOf(
  facts: Pick<TurnFacts, 'services'>,
  access: RootAccess,
  view: RootAccessView,
  note = '',
) {
  return rootAccessCard(access, view, rootAccessOf(facts).settings, note);
}

/**
 * The answer to asking (the command, the finding's button): the requester's card at once, and the approval
 * card sent after the answer is out, updating that very card once it has gone.
 */
export function askReply(facts: TurnFacts, result: AskResult): Reply {
  switch (result.kind) {
    case 'created': {
      const { access } = result;
      const names = access.approvers.map((p) => p.name).join(' or ');
      return {
        card: cardOf(facts, access, 'requester', `Asking ${names} to approve…`),
        followUp: (answeredOn) => rootAccessOf(facts).carryOut(access.id, { requesterCopy: answeredOn }),
      };
    }
    case 'in-progress':
      return {
        card: cardOf(
          facts,
          result.access,
          'status',
          `Root access to ${result.access.account.name} is under way already (${result.access.id}): one at a time per account.`,
        ),
      };
    case 'refused':
      return { text: result.problem };
  }
}

/**
 * The answer to Start, Done or `root-access done`: the card as it is now, and its steps after the answer. A
 * refused click answers with the card as it stands and the reason on it; a refused command, in words.
 */
export function changeReply(
  facts: TurnFacts,
  result: ChangeResult,
  view: RootAccessView,
  clicked?: { activityId?: string },
): Reply {
  if (result.kind === 'refused')
    return clicked && result.access
      ? { card: cardOf(facts, result.access, view, result.problem) }
      : { text: result.problem };
  return {
    card: cardOf(facts, result.access, view),
    followUp: () =>
      rootAccessOf(facts).carryOut(result.access.id, { answeredActivityId: clicked?.activityId }),
  };
}
