import type { Server } from 'restify';
import { resolveOwner } from '../app/people';
import type { AppServices } from '../app/services';
import { describeOwner } from '../domain/addressChanges';
import { InvalidAddressInputError } from '../domain/addressErrors';
import type { AddressRecord, Owner } from '../domain/addressRecords';
import { mayAllocateDirectly } from '../domain/permissions';
import { ApiAccess, apiRoutes } from './apiRoute';
import { recordDetailView, recordView } from './apiViews';
import { jsonBody, pathAddress, stringField } from './httpInput';
import { openApiDocument } from './openapi';
import { sendProblem } from './problem';
import { answerWithRequest } from './requestApi';
import type { RouteModule, RouteWrapper } from './server';

/** The automation API under /api/v1: Entra ID bearer tokens, JSON in and out, RFC 9457 problems. */
export function addressApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);
    server.get(
      '/api/v1/openapi.json',
      route(async (_req, res) => {
        res.send(200, openApiDocument());
      }),
    );

    server.get(
      '/api/v1/addresses',
      guarded('look-up', async (req, res) => {
        const query = (req.query ?? {}) as Record<string, string>;
        const given = (['awsAccountId', 'owner', 'address'] as const).filter(
          (k) => typeof query[k] === 'string',
        );
        if (given.length !== 1)
          throw new InvalidAddressInputError('Filter by exactly one of awsAccountId, owner or address.');
        const [key] = given;
        const found =
          key === 'owner'
            ? await services.addresses.byOwner(query.owner)
            : [
                key === 'address'
                  ? await services.addresses.get(query.address)
                  : await services.addresses.byAwsAccountId(query.awsAccountId),
              ].filter((r): r is AddressRecord => !!r);
        const rootUsers = await services.aws?.postures.of(found.flatMap((r) => r.awsAccountId ?? []));
        res.send(
          200,
          found.map((r) => recordView(r, r.awsAccountId ? rootUsers?.get(r.awsAccountId) : undefined)),
        );
      }),
    );

    server.get(
      '/api/v1/addresses/:address',
      guarded('look-up', async (req, res, caller) => {
        const address = pathAddress(req);
        const record = await services.addresses.get(address);
        if (!record) return sendProblem(res, 404, 'Not Found', `There is no address ${address}.`);
        const rootUser = await services.aws?.postures.get(record.awsAccountId);
        res.send(
          200,
          recordDetailView(record, caller, describeOwner(record.owner), rootUser, !!services.aws),
        );
      }),
    );

    server.post(
      '/api/v1/addresses',
      guarded('signed-in', async (req, res, caller) => {
        // Callers without Addresses.Allocate ask instead: a request through the same approval as in Teams.
        const body = jsonBody(req);
        if (!mayAllocateDirectly(caller)) return answerWithRequest(services, caller, body, res);
        const accountName = stringField(body, 'accountName', true)!;
        const purpose = stringField(body, 'purpose', false);
        const owner = await ownerFrom(body.owner);
        const record = await services.addresses.allocate({
          accountName,
          owner,
          purpose,
          by: caller,
        });
        res.setHeader('Location', `/api/v1/addresses/${encodeURIComponent(record.address)}`);
        res.send(201, recordView(record));
      }),
    );

    server.patch(
      '/api/v1/addresses/:address',
      guarded('change-records', async (req, res, caller) => {
        const address = pathAddress(req);
        const body = jsonBody(req);
        const awsAccountId = stringField(body, 'awsAccountId', false);
        if (awsAccountId === undefined && body.owner === undefined)
          throw new InvalidAddressInputError('Send awsAccountId, owner, or both.');
        // Everything that can be checked up front is checked before the first change.
        const owner = body.owner === undefined ? undefined : await ownerFrom(body.owner);
        const current = await services.addresses.get(address);
        if (!current) return sendProblem(res, 404, 'Not Found', `There is no address ${address}.`);
        let record = current;
        if (awsAccountId !== undefined)
          record = await services.addresses.linkAwsAccount(address, awsAccountId, caller);
        if (owner && owner.id !== record.owner?.id) {
          const previous = record.owner;
          record = await services.addresses.transfer(address, owner, caller);
          const transferred = record;
          // As in chat: the new and the previous owner are told in their personal chats.
          services.background.run('tell the owners of a transfer', () =>
            services.addressNotices.transferred(transferred, previous, caller, {}),
          );
        }
        res.send(200, recordView(record));
      }),
    );

    server.del(
      '/api/v1/addresses/:address',
      guarded('change-records', async (req, res, caller) => {
        const reason = typeof req.query?.reason === 'string' ? req.query.reason.slice(0, 200) : undefined;
        const record = await services.addresses.retire(pathAddress(req), reason, caller);
        services.background.run('tell the owner of a retirement', () =>
          services.addressNotices.retired(record, caller, reason, {}),
        );
        res.send(200, recordView(record));
      }),
    );

    server.get(
      '/api/v1/pool',
      guarded('look-up', async (_req, res) => {
        res.send(200, await services.pool.status());
      }),
    );

    server.post(
      '/api/v1/pool/import',
      guarded('administer', async (req, res, caller) => {
        const csv = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : req.body;
        if (typeof csv !== 'string' || !/^text\//i.test(req.header('content-type') ?? ''))
          throw new InvalidAddressInputError('Send the pool file as text/csv with lines `mailbox,address`.');
        res.send(200, await services.pool.importCsv(csv, caller));
      }),
    );
  };

  async function ownerFrom(value: unknown): Promise<Owner> {
    if (typeof value === 'string') return resolveOwner(services.directory, value);
    if (value && typeof value === 'object' && typeof (value as Owner).id === 'string') {
      const { id, upn, name } = value as Owner;
      return {
        id,
        upn: typeof upn === 'string' ? upn : undefined,
        name: typeof name === 'string' ? name : undefined,
      };
    }
    throw new InvalidAddressInputError(
      'Give owner as a UPN or Entra object id, or as {"id", "upn", "name"}.',
    );
  }
}
