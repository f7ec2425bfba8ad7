import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import type { Logger } from '../log/logger';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

interface ChangeNotification {
  subscriptionId?: string;
  clientState?: string;
  changeType?: string;
  lifecycleEvent?: string;
  resourceData?: { id?: string };
}

export interface GraphWebhookDeps {
  logger: Logger;
  clientState: string;
  /** Called after the 202 went out; starts tracked background work, never throws. */
  onCreated(messageIds: string[]): void;
  /** Called after the 202 went out, once per event; starts tracked background work, never throws. */
  onLifecycle(event: string, subscriptionId: string | undefined): void;
}

const MAX_BATCH = 1000;

/**
 * Microsoft Graph webhooks: the validation handshake, change notifications (answered 202 at once, worked
 * on afterwards) and lifecycle notifications. Every notification must carry our clientState.
 */
export function graphWebhookRoutes(deps: GraphWebhookDeps): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    server.post(
      '/api/graph/notifications',
      route(async (req, res) => {
        if (answerValidation(req, res)) return;
        const notifications = accepted(req, res, deps, 'change');
        if (!notifications) return;
        res.send(202);
        const ids = notifications
          .filter((n) => n.changeType === 'created' && typeof n.resourceData?.id === 'string')
          .map((n) => n.resourceData!.id!.slice(0, 512));
        if (ids.length > 0) deps.onCreated([...new Set(ids)]);
      }),
    );

    server.post(
      '/api/graph/lifecycle',
      route(async (req, res) => {
        if (answerValidation(req, res)) return;
        const notifications = accepted(req, res, deps, 'lifecycle');
        if (!notifications) return;
        res.send(202);
        for (const n of notifications) {
          const event = typeof n.lifecycleEvent === 'string' ? n.lifecycleEvent.slice(0, 64) : '';
          const subscriptionId =
            typeof n.subscriptionId === 'string' ? n.subscriptionId.slice(0, 128) : undefined;
          deps.logger.info({ lifecycleEvent: event, subscriptionId }, 'Graph lifecycle event');
          deps.onLifecycle(event, subscriptionId);
        }
      }),
    );
  };
}

/** Graph proves the URL is ours by asking us to echo a token, as text/plain, within 10 s. */
function answerValidation(req: Request, res: Response): boolean {
  const token = (req.query as Record<string, unknown> | undefined)?.validationToken;
  if (typeof token !== 'string') return false;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(token.slice(0, 1024));
  return true;
}

/** The notifications of the batch, or undefined (and answered) when the batch is malformed or forged. */
function accepted(
  req: Request,
  res: Response,
  deps: GraphWebhookDeps,
  kind: string,
): ChangeNotification[] | undefined {
  const value = (req.body as { value?: unknown } | undefined)?.value;
  const wellFormed =
    Array.isArray(value) &&
    value.length <= MAX_BATCH &&
    value.every((n) => n !== null && typeof n === 'object' && !Array.isArray(n));
  if (!wellFormed) {
    sendProblem(res, 400, 'Bad Request', 'Expected a Graph notification batch: {"value": [ {…}, … ]}.');
    return undefined;
  }
  const notifications = value as ChangeNotification[];
  const forged = notifications.filter((n) => !sameSecret(n.clientState, deps.clientState));
  if (forged.length > 0) {
    // Not from our subscription: nothing of this batch is processed. 202 so a prober learns nothing.
    deps.logger.warn(
      {
        alert: 'graph-client-state-mismatch',
        kind,
        notifications: notifications.length,
        forged: forged.length,
      },
      'ALERT: Graph notification batch with a wrong clientState ignored',
    );
    res.send(202);
    return undefined;
  }
  return notifications;
}

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
