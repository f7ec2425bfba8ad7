import type { Request, Response } from 'restify';
import { ApiNeed, mayCallApi, Principal } from '../domain/permissions';
import { AuthOutcome, principalOf } from './apiAuth';
import { sendProblem, titleFor } from './problem';
import type { RouteHandler, RouteWrapper } from './server';

export type ApiHandler = (req: Request, res: Response, caller: Principal) => Promise<void>;

/** How /api/v1 learns who calls: built once in createApp, shared by every API route module. */
export interface ApiAccess {
  authenticate(req: Request): Promise<AuthOutcome>;
  /** Whether a person is an admin: ADMIN_IDS, and in a local run the local directory's admins. */
  isAdmin(id: string): boolean;
}

/**
 * Every /api/v1 route: the caller authenticated first (401 / 403; 404 when the API is off; 503 when the
 * token keys cannot be fetched), then what the route needs of
 * them by the permission policy (403 with its reason), then the handler; what it throws goes through the
 * one error path.
 */
export function apiRoutes(access: ApiAccess, route: RouteWrapper) {
  return (need: ApiNeed, handler: ApiHandler): RouteHandler =>
    route(async (req, res) => {
      const outcome = await access.authenticate(req);
      if (!outcome.ok) {
        if (outcome.challenge) res.setHeader('WWW-Authenticate', outcome.challenge);
        return sendProblem(res, outcome.status, titleFor(outcome.status), outcome.detail);
      }
      const caller = principalOf(outcome.caller, access.isAdmin);
      const verdict = mayCallApi(caller, need);
      if (!verdict.allowed) return sendProblem(res, 403, 'Forbidden', verdict.reason);
      await handler(req, res, caller);
    });
}
