import type { SubmitResult } from '../app/requests/addressRequestService';
import type { RequestInput } from '../domain/addressRequests';
import { requestStatusCard } from '../cards/requestCards';
import { describeDelivery, describeState } from '../domain/requestWording';
import type { Reply, TurnFacts } from './types';

/**
 * The answer to a new request, the same for the typed command and the form: the status card at once
 * ("sending the approval card to …"), and the approval card sent right after the answer is out, updating
 * that very status card when it has gone.
 */
export function answerSubmission(
  { services }: TurnFacts,
  result: SubmitResult,
  refused: { duplicate: (text: string) => Reply; noApprover: (reason: string) => Reply },
): Reply {
  switch (result.kind) {
    case 'created': {
      const { request } = result;
      return {
        // The requester's own copy: never Approve / Reject (nobody decides their own request).
        card: requestStatusCard(request, describeDelivery(request), { decide: false }),
        followUp: (answeredOn) =>
          services.requests.carryOut(request.requestId, {
            requesterCopy: answeredOn && { audience: 'requester', ...answeredOn },
          }),
      };
    }
    case 'duplicate': {
      const existing = result.existing;
      return refused.duplicate(
        `There is already an open request for ${existing.accountName}: ${existing.requestId} (${describeState(existing)}). ` +
          `Wait for it, or if it is yours, withdraw it with \`cancel ${existing.requestId}\`.`,
      );
    }
    case 'account-has-address':
      return refused.duplicate(result.problem);
    case 'no-approver':
      return refused.noApprover(result.reason);
  }
}

/** Where the requester can be answered later: their tenant, the Teams serviceUrl and this conversation. */
export function contactOf({ actor, conversation }: TurnFacts) {
  return {
    tenantId: actor.tenantId,
    serviceUrl: conversation.serviceUrl,
    conversation: conversation.reference as Record<string, unknown>,
  };
}

/** Where a person concerned by an action can be reached when they have no personal chat stored yet. */
export function reachOf({ actor, conversation }: TurnFacts) {
  return { tenantId: actor.tenantId, serviceUrl: conversation.serviceUrl };
}

/** A checked request typed in chat (the command, or the guided chat's summary): submitted, answered in text. */
export async function submitRequest(facts: TurnFacts, input: RequestInput): Promise<Reply> {
  const result = await facts.services.requests.submit(input, facts.actor, 'chat', contactOf(facts));
  return answerSubmission(facts, result, {
    duplicate: (text) => ({ text }),
    noApprover: (reason) => ({ text: reason }),
  });
}
