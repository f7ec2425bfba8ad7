import type { Server } from 'restify';
import type { AppServices } from '../app/services';
import { describeOwner } from '../domain/addressChanges';
import { InvalidAddressInputError } from '../domain/addressErrors';
import type { AddressState } from '../domain/addressRecords';
import { mayListAllAddresses, mayReadAudit } from '../domain/permissions';
import { checkedPage } from '../domain/registrySearch';
import type { ApiAccess } from './apiRoute';
import { apiRoutes } from './apiRoute';
import { auditEntryView, registryPageView } from './apiViews';
import { pathAddress, queryText } from './httpInput';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

const STATES: readonly AddressState[] = ['available', 'assigned', 'quarantined', 'retired'];

/**
 * The registry as people browse it (the tab's Registry view, and automation alike): search with paging,
 * and a record's history. Looking up is for every person and for apps with Addresses.Read; listing
 * everything without a search text and reading history follow the permission policy.
 */
export function registryApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);

    server.get(
      '/api/v1/addresses/search',
      guarded('look-up', async (req, res, caller) => {
        const text = queryText(req, 'q', 254);
        const state = queryText(req, 'state', 20);
        const mailbox = queryText(req, 'mailbox', 254);
        if (state && !STATES.includes(state as AddressState))
          throw new InvalidAddressInputError(`\`state\` must be one of ${STATES.join(', ')}.`);
        if (!text) {
          const verdict = mayListAllAddresses(caller);
          if (!verdict.allowed)
            return sendProblem(
              res,
              403,
              'Forbidden',
              'Only an admin can list every address: search by account name, id, address or owner instead.',
            );
        }
        const { offset, limit } = checkedPage(queryText(req, 'offset', 8), queryText(req, 'limit', 8));
        const page = await services.addresses.find({
          text,
          state: state as AddressState | undefined,
          mailbox,
          offset,
          limit,
        });
        res.send(200, registryPageView(page));
      }),
    );

    server.get(
      '/api/v1/addresses/:address/audit',
      guarded('look-up', async (req, res, caller) => {
        const address = pathAddress(req);
        const record = await services.addresses.get(address);
        if (!record) return sendProblem(res, 404, 'Not Found', `There is no address ${address}.`);
        const verdict = mayReadAudit(caller, { record });
        if (!verdict.allowed)
          return sendProblem(
            res,
            403,
            'Forbidden',
            `Only an admin or the owner (${describeOwner(record.owner)}) can see the history of ${record.address}.`,
          );
        const events = await services.audit.about(record.address);
        // The reader's zone (the tab sends the browser's); UTC where none is given.
        const timeZone = typeof req.query?.timeZone === 'string' ? req.query.timeZone : undefined;
        res.send(200, { items: events.map((e) => auditEntryView(e, timeZone)) });
      }),
    );
  };
}
