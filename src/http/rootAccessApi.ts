import type { Server } from 'restify';
import { AwsNotConfiguredError } from '../app/aws/awsErrors';
import type { AppServices } from '../app/services';
import { mayReadRequest } from '../domain/permissions';
import type { RootAccess } from '../domain/rootAccess';
import { describeRootAccess } from '../domain/rootAccessWording';
import { describeRootCredentials } from '../domain/rootPosture';
import { ApiAccess, apiRoutes } from './apiRoute';
import { jsonBody, stringField } from './httpInput';
import { sendProblem, titleFor } from './problem';
import type { RouteModule, RouteWrapper } from './server';

export const rootAccessPath = (id: string) => `/api/v1/root-access/${encodeURIComponent(id)}`;

/**
 * Break-glass root access over the API, for people (the tab, with the person's token): POST
 * /api/v1/root-access `{account, reason}` asks, exactly as `root-access` in chat (approval, Start and the reset
 * link then come in the requester's Teams chat); GET /api/v1/root-access/{id} tells where it stands, to its
 * requester, approvers, readers and admins. An app token is refused: nobody could receive the reset link.
 */
export function rootAccessApiRoutes(services: AppServices, access: ApiAccess): RouteModule {
  const rootAccess = () => {
    if (!services.aws) throw new AwsNotConfiguredError();
    return services.aws.rootAccess;
  };
  return (server: Server, route: RouteWrapper) => {
    const guarded = apiRoutes(access, route);

    server.post(
      '/api/v1/root-access',
      guarded('signed-in', async (req, res, caller) => {
        const body = jsonBody(req);
        const account = stringField(body, 'account', true)!.slice(0, 80);
        const reason = stringField(body, 'reason', false) ?? '';
        const service = rootAccess();
        const result = await service.ask({ kind: 'session', account, reason, by: caller, origin: 'api' });
        switch (result.kind) {
          case 'created': {
            const location = rootAccessPath(result.access.id);
            res.setHeader('Location', location);
            res.send(202, { ...rootAccessView(result.access), statusUrl: location });
            service.carryOut(result.access.id); // the approval card goes out after the answer
            return;
          }
          case 'in-progress':
            return sendProblem(
              res,
              409,
              'Conflict',
              `Root access ${result.access.id} to ${result.access.account.name} is under way already: one at a time per account.`,
              { accessId: result.access.id },
            );
          case 'refused':
            return sendProblem(res, result.status, titleFor(result.status), result.problem);
        }
      }),
    );

    server.get(
      '/api/v1/root-access/:accessId',
      guarded('signed-in', async (req, res, caller) => {
        const id = String(req.params?.accessId ?? '').slice(0, 40);
        const found = await rootAccess().get(id);
        if (!found || !mayReadRequest(caller, found))
          return sendProblem(res, 404, 'Not Found', `There is no root access ${id} you may see.`);
        res.send(200, { ...rootAccessView(found), statusUrl: rootAccessPath(found.id) });
      }),
    );
  };
}

/** What the API shows of a root access: its state and facts in words and data, never the Teams plumbing. */
export function rootAccessView(access: RootAccess) {
  return {
    id: access.id,
    kind: access.kind,
    state: access.state,
    status: describeRootAccess(access),
    account: { id: access.account.id, name: access.account.name, rootEmail: access.account.rootEmail },
    reason: access.reason,
    requester: { id: access.requester.id, name: access.requester.name },
    approvers: access.approvers.map((p) => ({ id: p.id, name: p.name })),
    createdAt: access.createdAt,
    expiresAt: access.expiresAt,
    decision: access.decision && {
      outcome: access.decision.outcome,
      by: access.decision.by.name,
      at: access.decision.at,
      comment: access.decision.comment,
    },
    startBy: access.startBy,
    startedAt: access.startedAt,
    endsAt: access.endsAt,
    openedAt: access.openedAt,
    ended: access.ended && { how: access.ended.how, by: access.ended.by?.name, at: access.ended.at },
    closed: access.closed,
    rootUserAfter: access.after && describeRootCredentials(access.after),
    resetMailsHanded: access.handedMails?.length ?? 0,
  };
}

export type RootAccessView = ReturnType<typeof rootAccessView> & { statusUrl: string };
