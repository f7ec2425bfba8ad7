import type { Server } from 'restify';
import type { AppServices } from '../app/services';
import { InvalidAddressInputError } from '../domain/addressErrors';
import { mayReadStatus } from '../domain/permissions';
import { forecastPool, PoolLevels } from '../domain/poolForecast';
import { ApiAccess, apiRoutes } from './apiRoute';
import type { PoolHistoryView } from './apiViews';
import { queryText } from './httpInput';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

const MAX_HISTORY_DAYS = 400;

/**
 * GET /api/v1/status: the operational figures (`status` in chat), counted now; admins and Addresses.Read.
 * GET /api/v1/pool/history: the pool's levels as kept once a day, with the days until it runs empty at the
 * current rate; everyone who may see the pool.
 */
export function statusApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);
    server.get(
      '/api/v1/status',
      guarded('look-up', async (_req, res, caller) => {
        const verdict = mayReadStatus(caller);
        if (!verdict.allowed)
          return sendProblem(
            res,
            403,
            'Forbidden',
            'The status is for admins (ADMIN_IDS); the pool is for everyone.',
          );
        const status = await services.status();
        res.send(status.store.reachable ? 200 : 503, status);
      }),
    );

    server.get(
      '/api/v1/pool/history',
      guarded('look-up', async (req, res) => {
        const daysText = queryText(req, 'days', 4) ?? '90';
        const days = /^\d+$/.test(daysText) ? Number(daysText) : NaN;
        if (!(days >= 1 && days <= MAX_HISTORY_DAYS))
          throw new InvalidAddressInputError(
            `\`days\` must be a whole number from 1 to ${MAX_HISTORY_DAYS}.`,
          );
        const mailbox = queryText(req, 'mailbox', 254)?.toLowerCase();
        const [kept, now] = await Promise.all([services.poolHistory(days), services.pool.status()]);
        const levelsOf = (l: PoolLevels) => ({
          free: l.free,
          assigned: l.assigned,
          quarantined: l.quarantined,
          capacity: l.capacity,
        });
        const history = kept.flatMap(({ date, at, mailboxes, ...totals }) => {
          if (!mailbox) return [{ date, at, ...levelsOf(totals) }];
          const one = mailboxes.find((m) => m.mailbox === mailbox);
          return one ? [{ date, at, ...levelsOf(one) }] : [];
        });
        const freeNow = mailbox
          ? (now.mailboxes.find((m) => m.mailbox === mailbox)?.free ?? 0)
          : now.totals.free;
        const view: PoolHistoryView = {
          ...(mailbox ? { mailbox } : {}),
          days: history,
          now,
          forecast: forecastPool(history, freeNow),
        };
        res.send(200, view);
      }),
    );
  };
}
