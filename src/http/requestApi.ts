import type { Response, Server } from 'restify';
import type { AppServices } from '../app/services';
import { AddressRequest, validateRequestInput } from '../domain/addressRequests';
import { mayReadRequest, Principal } from '../domain/permissions';
import { apiRoutes } from './apiRoute';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

export const requestStatusPath = (requestId: string) => `/api/v1/requests/${encodeURIComponent(requestId)}`;

/**
 * POST /api/v1/addresses from a caller without Addresses.Allocate: the caller (token `oid`) asks for an
 * address through the same approval as in Teams; 202 with the request and where to follow it.
 */
export async function answerWithRequest(
  services: AppServices,
  caller: Principal,
  body: Record<string, unknown>,
  res: Response,
): Promise<void> {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const checked = validateRequestInput({
    accountName: text(body.accountName),
    purpose: text(body.purpose),
    environment: text(body.environment) ?? 'nonprod',
    costCentre: text(body.costCentre),
  });
  if (!checked.ok)
    return sendProblem(res, 400, 'Bad Request', Object.values(checked.errors).join(' '), {
      errors: checked.errors,
    });
  const result = await services.requests.submit(checked.value, caller, 'api');
  if (result.kind === 'duplicate') {
    return sendProblem(
      res,
      409,
      'Conflict',
      `There is already an open request for ${checked.value.accountName}: ${result.existing.requestId}.`,
      { requestId: result.existing.requestId, status: requestStatusPath(result.existing.requestId) },
    );
  }
  if (result.kind === 'no-approver') return sendProblem(res, 422, 'Unprocessable Content', result.reason);
  const location = requestStatusPath(result.request.requestId);
  res.setHeader('Location', location);
  res.send(202, { ...requestView(result.request), statusUrl: location });
  services.requests.carryOut(result.request.requestId); // the approval card goes out after the answer
}

/** GET /api/v1/requests/{id}: for the requester, the request's approvers, and readers of the API. */
export function requestApiRoutes(services: AppServices): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(services.config.api, route);
    server.get(
      '/api/v1/requests/:requestId',
      guarded(undefined, async (req, res, caller) => {
        const requestId = String(req.params?.requestId ?? '').slice(0, 64);
        const request = await services.requests.get(requestId);
        // Someone else's request is "not found" rather than "forbidden": ids are not to be probed.
        if (!request || !mayReadRequest(caller, request))
          return sendProblem(res, 404, 'Not Found', `There is no request ${requestId} that you can see.`);
        res.send(200, requestView(request));
      }),
    );
  };
}

/** What the API shows of a request: its state and decision, never the Teams plumbing. */
export function requestView(request: AddressRequest) {
  return {
    requestId: request.requestId,
    state: request.state,
    accountName: request.accountName,
    environment: request.environment,
    purpose: request.purpose,
    costCentre: request.costCentre,
    requester: request.requester,
    approvers: request.approvers.map(({ id, name }) => ({ id, name })),
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    /** Where the approval card went: personal chats, the approvals channel, or nowhere yet. */
    delivery: request.delivery,
    decision: request.decision,
    address: request.address,
    failure: request.failure,
  };
}
