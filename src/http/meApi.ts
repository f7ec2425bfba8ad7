import type { Server } from 'restify';
import type { AppServices } from '../app/services';
import { isApprover } from '../domain/addressRequests';
import { ApiAccess, apiRoutes } from './apiRoute';
import { meView, requestView } from './apiViews';
import type { RouteModule, RouteWrapper } from './server';

/** How many of their own requests a person sees (newest first). */
const OWN_REQUESTS_SHOWN = 20;
/** Pending requests looked through for the caller's approvals (oldest first, as the service lists them). */
const PENDING_LOOKED_AT = 200;

/**
 * The caller's own view: who the API takes them for, what waits for their decision, what they asked for.
 * The tab's Approvals view is these two lists; an app without a person behind it has neither.
 */
export function meApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);

    server.get(
      '/api/v1/me',
      guarded('signed-in', async (_req, res, caller) => {
        res.send(200, meView(caller));
      }),
    );

    server.get(
      '/api/v1/me/approvals',
      guarded('signed-in', async (_req, res, caller) => {
        const pending = await services.requests.listPending(PENDING_LOOKED_AT);
        const mine = pending.filter((r) => isApprover(r, caller.id) && r.requester.id !== caller.id);
        res.send(200, { items: mine.map(requestView) });
      }),
    );

    server.get(
      '/api/v1/me/requests',
      guarded('signed-in', async (_req, res, caller) => {
        // The audit log knows who asked for what; each request is then read by its id.
        const asked = await services.audit.byActor(caller.id, 'request.created', OWN_REQUESTS_SHOWN);
        const requests = await Promise.all(asked.map((event) => services.requests.get(event.subject)));
        const mine = requests.filter((r) => r !== undefined && r.requester.id === caller.id);
        res.send(200, { items: mine.map((r) => requestView(r!)) });
      }),
    );
  };
}
