import type { Request, Response, Server } from 'restify';
import type { AppServices } from '../app/services';
import { accountTakenExtensions } from '../app/failures';
import { describeOwner } from '../domain/addressChanges';
import { InvalidAddressInputError } from '../domain/addressErrors';
import { defaultEnvironment, validateRequestInput } from '../domain/addressRequests';
import { mayReadRequest, Principal } from '../domain/permissions';
import { ApiAccess, apiRoutes } from './apiRoute';
import { requestView } from './apiViews';
import { jsonBody, stringField } from './httpInput';
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
  const { environments } = services.config;
  const checked = validateRequestInput(
    {
      accountName: text(body.accountName),
      purpose: text(body.purpose),
      environment: body.environment === undefined ? defaultEnvironment(environments) : body.environment,
      costCentre: text(body.costCentre),
    },
    environments,
  );
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
  if (result.kind === 'account-has-address')
    return sendProblem(
      res,
      409,
      'Conflict',
      result.problem,
      accountTakenExtensions(checked.value.accountName, {
        address: result.existing.address,
        ownerName: describeOwner(result.existing.owner),
      }),
    );
  if (result.kind === 'no-approver') return sendProblem(res, 422, 'Unprocessable Content', result.reason);
  const location = requestStatusPath(result.request.requestId);
  res.setHeader('Location', location);
  res.send(202, { ...requestView(result.request), statusUrl: location });
  services.requests.carryOut(result.request.requestId); // the approval card goes out after the answer
}

/**
 * GET /api/v1/requests/{id}: for the requester, the request's approvers, and readers of the API.
 * POST …/decision (approvers) and …/cancel (the requester): the same use cases as the card and `cancel`.
 */
export function requestApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);
    /** The request named in the path, when the caller may see it (someone else's is "not found": ids are not to be probed). */
    const visibleRequest = async (req: Request, caller: Principal) => {
      const requestId = String(req.params?.requestId ?? '').slice(0, 64);
      const request = await services.requests.get(requestId);
      return { requestId, request: request && mayReadRequest(caller, request) ? request : undefined };
    };
    const notVisible = (res: Response, requestId: string) =>
      sendProblem(res, 404, 'Not Found', `There is no request ${requestId} that you can see.`);
    server.get(
      '/api/v1/requests/:requestId',
      guarded('signed-in', async (req, res, caller) => {
        const { requestId, request } = await visibleRequest(req, caller);
        if (!request) return notVisible(res, requestId);
        res.send(200, requestView(request));
      }),
    );

    server.post(
      '/api/v1/requests/:requestId/decision',
      guarded('signed-in', async (req, res, caller) => {
        const body = jsonBody(req);
        const decision = stringField(body, 'decision', true);
        if (decision !== 'approve' && decision !== 'reject')
          throw new InvalidAddressInputError('The field "decision" must be "approve" or "reject".');
        const comment = stringField(body, 'comment', false)?.slice(0, 500);
        const { requestId, request } = await visibleRequest(req, caller);
        if (!request) return notVisible(res, requestId);
        // The same use case and rules as Approve / Reject on the card; the cards in chat follow.
        const result = await services.requests.decide(
          requestId,
          caller,
          decision === 'approve' ? 'approved' : 'rejected',
          comment,
        );
        switch (result.kind) {
          case 'not-found':
            return notVisible(res, requestId);
          case 'refused':
            return sendProblem(
              res,
              403,
              'Forbidden',
              result.reason === 'own-request'
                ? 'You cannot decide your own request; it is waiting for someone else. Your attempt was recorded.'
                : `Only ${result.request.approvers.map((p) => p.name).join(' or ')} can decide this request. Your attempt was recorded.`,
            );
          case 'already-decided': {
            const done = result.request;
            const who = done.decision?.by.name ?? done.closed?.by.name ?? 'someone';
            return sendProblem(
              res,
              409,
              'Conflict',
              `Already decided: ${who} ${done.decision?.outcome ?? done.state} this request. Nothing was changed.`,
              { request: requestView(done) },
            );
          }
          case 'decided':
            res.send(200, requestView(result.request));
            services.requests.carryOut(result.request.requestId); // cards, allocation, the requester's note
        }
      }),
    );

    server.post(
      '/api/v1/requests/:requestId/cancel',
      guarded('signed-in', async (req, res, caller) => {
        const { requestId, request } = await visibleRequest(req, caller);
        if (!request) return notVisible(res, requestId);
        const result = await services.requests.cancel(requestId, caller);
        if (!result.ok) return sendProblem(res, 409, 'Conflict', result.problem);
        res.send(200, requestView(result.request));
        services.requests.carryOut(result.request.requestId); // the approval card says it was withdrawn
      }),
    );
  };
}
