import type { Server } from 'restify';
import type { AppServices } from '../app/services';
import { apiRoutes } from './apiRoute';
import type { RouteModule, RouteWrapper } from './server';

/** GET /api/v1/status: the operational figures (`status` in chat), counted now; role Addresses.Read. */
export function statusApiRoutes(services: AppServices): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(services.config.api, route);
    server.get(
      '/api/v1/status',
      guarded('Addresses.Read', async (_req, res) => {
        const status = await services.status();
        res.send(status.store.reachable ? 200 : 503, status);
      }),
    );
  };
}
