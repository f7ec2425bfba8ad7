import type { Request, Response } from 'restify';
import type { AppConfig } from '../config';
import type { Principal } from '../domain/permissions';
import { ApiRole, createApiAuthenticator, hasRole, principalOf } from './apiAuth';
import { sendProblem } from './problem';
import type { RouteHandler, RouteWrapper } from './server';

export type ApiHandler = (req: Request, res: Response, caller: Principal) => Promise<void>;

/**
 * Every /api/v1 route: an Entra ID token checked first (401 / 503 when not configured), the app role when
 * one is needed (403), then the handler; what it throws goes through the one error path.
 */
export function apiRoutes(api: AppConfig['api'], route: RouteWrapper) {
  const authenticate = createApiAuthenticator(api);
  return (role: ApiRole | undefined, handler: ApiHandler): RouteHandler =>
    route(async (req, res) => {
      const outcome = await authenticate(req);
      if (!outcome.ok) {
        if (outcome.challenge) res.setHeader('WWW-Authenticate', outcome.challenge);
        const title = outcome.status === 401 ? 'Unauthorized' : 'Service Unavailable';
        return sendProblem(res, outcome.status, title, outcome.detail);
      }
      if (role && !hasRole(outcome.caller, role))
        return sendProblem(res, 403, 'Forbidden', `This call needs the app role ${role}.`);
      await handler(req, res, principalOf(outcome.caller));
    });
}
