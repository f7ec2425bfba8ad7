import type { Request, Server } from 'restify';
import { AwsNotConfiguredError } from '../app/aws/awsErrors';
import type { AwsServices, AppServices } from '../app/services';
import { InvalidAddressInputError } from '../domain/addressErrors';
import { Adoption, describeAdoption } from '../domain/adoptions';
import { ApiAccess, apiRoutes } from './apiRoute';
import { recordView } from './apiViews';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

/** How long POST /api/v1/reconcile waits for the run before answering 202 (it goes on either way). */
export const RECONCILE_WAIT_MS = 20_000;

export const adoptionPath = (adoptionId: string) => `/api/v1/adoptions/${encodeURIComponent(adoptionId)}`;

/**
 * AWS Organizations over the API: POST /api/v1/reconcile (Addresses.Admin) runs the reconciliation, GET
 * shows the last run and the open findings (Addresses.Read); POST /api/v1/adoptions (Addresses.Admin)
 * adopts an account through the usual approval, GET /api/v1/adoptions/{id} follows it (Addresses.Read).
 */
export function awsApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  const aws = (): AwsServices => {
    if (!services.aws) throw new AwsNotConfiguredError();
    return services.aws;
  };
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);

    server.post(
      '/api/v1/reconcile',
      guarded('administer', async (_req, res, caller) => {
        const outcome = await aws().reconciler.runForApi(caller, RECONCILE_WAIT_MS);
        if (outcome.kind === 'done') return void res.send(200, outcome.run);
        res.setHeader('Location', '/api/v1/reconcile');
        res.send(202, {
          state: 'running',
          run: outcome.kind === 'busy' ? outcome.running : outcome.run,
          detail:
            outcome.kind === 'busy'
              ? 'A reconciliation is already running; GET /api/v1/reconcile shows its result when it ends.'
              : 'The reconciliation goes on; GET /api/v1/reconcile shows its result when it ends.',
          statusUrl: '/api/v1/reconcile',
        });
      }),
    );

    server.get(
      '/api/v1/reconcile',
      guarded('look-up', async (_req, res) => {
        res.send(200, await aws().reconciler.overview());
      }),
    );

    server.post(
      '/api/v1/adoptions',
      guarded('administer', async (req, res, caller) => {
        const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
        const accountId = typeof body.awsAccountId === 'string' ? body.awsAccountId : '';
        if (!accountId) throw new InvalidAddressInputError('Send {"awsAccountId": "<12 digits>"}.');
        const environment = body.environment;
        const { environments } = services.config;
        if (environment !== undefined && !environments.includes(environment as string))
          throw new InvalidAddressInputError(`environment must be one of ${environments.join(', ')}.`);
        const service = aws().adoptions;
        const result = await service.start({
          accountId,
          by: caller,
          origin: 'api',
          environment: environment as string | undefined,
        });
        switch (result.kind) {
          case 'started': {
            const location = adoptionPath(result.adoption.adoptionId);
            res.setHeader('Location', location);
            res.send(202, { ...adoptionView(result.adoption), statusUrl: location });
            service.carryOut(result.adoption.adoptionId); // the approval card goes out after the answer
            return;
          }
          case 'linked':
            return void res.send(200, { outcome: 'linked', address: recordView(result.record) });
          case 'already-linked':
            return void res.send(200, { outcome: 'already-linked', address: result.address });
          case 'in-progress':
            return sendProblem(
              res,
              409,
              'Conflict',
              `Adoption ${result.adoption.adoptionId} of account ${accountId} is already under way.`,
              { adoptionId: result.adoption.adoptionId, statusUrl: adoptionPath(result.adoption.adoptionId) },
            );
        }
      }),
    );

    server.get(
      '/api/v1/adoptions/:adoptionId',
      guarded('look-up', async (req: Request, res) => {
        const adoptionId = String(req.params?.adoptionId ?? '').slice(0, 64);
        const adoption = await aws().adoptions.get(adoptionId);
        if (!adoption) return sendProblem(res, 404, 'Not Found', `There is no adoption ${adoptionId}.`);
        res.send(200, adoptionView(adoption));
      }),
    );
  };
}

/** What the API shows of an adoption: its state and facts, never the Teams plumbing. */
export function adoptionView(adoption: Adoption) {
  return {
    adoptionId: adoption.adoptionId,
    state: adoption.state,
    status: describeAdoption(adoption),
    accountId: adoption.accountId,
    accountName: adoption.accountName,
    previousEmail: adoption.previousEmail,
    address: adoption.address,
    requestId: adoption.requestId,
    requester: adoption.requester,
    createdAt: adoption.createdAt,
    codeRequestedAt: adoption.codeRequestedAt,
    codeDeadline: adoption.codeDeadline,
    acceptedAt: adoption.acceptedAt,
    linkedAt: adoption.linkedAt,
    ended: adoption.ended,
  };
}
