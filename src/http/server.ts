import restify, { Request, Response, Server } from 'restify';
import { classifyFailure } from '../app/failures';
import { isLoopbackHost } from '../domain/channelTrust';
import type { Logger } from '../log/logger';
import { ActivityPolicy, checkActivity } from './activityGate';
import { bodyParsing } from './bodyReader';
import { sendFailure, sendProblem, titleFor } from './problem';
import type { RequestScope } from './requestScope';

/** A feature's HTTP routes; each route module registers itself on the one server. */
export type RouteModule = (server: Server, route: RouteWrapper) => void;

export type RouteHandler = (req: Request, res: Response) => Promise<void>;
/** Wraps a handler so that whatever it throws is answered by the one error path. */
export type RouteWrapper = (handler: RouteHandler) => RouteHandler;

export interface HttpServerDeps {
  logger: Logger;
  /** Liveness and readiness from memory (never a scan per probe). */
  health: () => { ok: boolean; body: Record<string, unknown> };
  /**
   * POST /api/messages: a Bot Framework activity that passed the gate (src/http/activityGate.ts), handed
   * to the adapter with a response that only records what it would answer (see BotAnswer).
   */
  messages: (req: Request, answer: BotAnswer) => Promise<void>;
  /** Trusted service URLs and the served tenant, for the activity gate. */
  activityPolicy: ActivityPolicy;
  /** Timeouts and the connection cap (HTTP_* settings). */
  limits: HttpLimits;
  /**
   * A local run (no MicrosoftAppId): every request must address this machine by a loopback name, and come
   * from a page of this machine when a browser says where it comes from (a DNS-rebinding page names its own).
   */
  loopbackOnly: boolean;
  /** Which request the running code serves, for the process guard (src/main/processGuard.ts). */
  scope?: RequestScope;
  routes?: RouteModule[];
}

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** How long a connection may see no byte at all, either way (a client that never reads its answer). */
const IDLE_SOCKET_MS = 120_000;
/** How often Node looks for connections past their headers or request timeout (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;
/** At most one "connections refused" line per this time, however many are refused. */
const DROP_LOG_MS = 60_000;

export const MAX_BODY_BYTES = 256 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export function createHttpServer({
  logger,
  health,
  messages,
  activityPolicy,
  limits,
  loopbackOnly,
  scope,
  routes = [],
}: HttpServerDeps): Server {
  const server = restify.createServer({
    name: 'rootmail',
    handleUncaughtExceptions: false,
    formatters: { 'application/problem+json': formatJson },
  });
  guardConnections(server, limits, logger);
  scope?.enclose(server.server);

  const route: RouteWrapper = (handler) => async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      sendFailure(res, classifyFailure(err, logger, { method: req.method, path: req.path() }));
    }
  };

  server.pre((req: Request, res: Response, next: (proceed?: false) => void) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const refusal = addressProblem(req, loopbackOnly);
    if (!refusal) return next();
    logger.warn({ method: req.method, status: refusal.status }, 'request refused: its Host or Origin');
    sendProblem(res, refusal.status, titleFor(refusal.status), refusal.detail);
    next(false);
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(bodyParsing(MAX_BODY_BYTES, logger));

  server.get(
    '/healthz',
    route(async (_req, res) => {
      const { ok, body } = health();
      res.send(ok ? 200 : 503, body);
    }),
  );

  // The Agents Playground probes the endpoint with HEAD every few seconds; answer instead of logging a 405.
  server.head('/api/messages', async (_req: Request, res: Response) => {
    res.send(200);
  });

  server.post(
    '/api/messages',
    route(async (req, res) => {
      const verdict = checkActivity(req.body, activityPolicy);
      if (!verdict.ok) {
        logger.warn({ path: req.path(), status: verdict.status, reason: verdict.reason }, 'activity refused');
        return sendProblem(res, verdict.status, titleFor(verdict.status), verdict.detail);
      }
      const answer = new BotAnswer();
      await messages(req, answer);
      // botbuilder answers 501 to an invoke nobody handles: Teams expects exactly that, so it passes.
      if (answer.code >= 500 && answer.code !== 501)
        throw new Error(`the Bot Framework adapter answered ${answer.code}: ${String(answer.body)}`);
      if (answer.code === 401 || answer.code === 403)
        return sendProblem(
          res,
          answer.code,
          titleFor(answer.code),
          'The activity was not signed by the Bot Framework for this bot.',
        );
      if (answer.body === undefined) {
        res.statusCode = answer.code;
        res.end();
      } else res.send(answer.code, answer.body);
    }),
  );

  for (const register of routes) register(server, route);

  // Errors restify itself raises (unknown route, bad JSON, too large): the same problem+json shape.
  server.on(
    'restifyError',
    (req: Request, res: Response, err: Error & { statusCode?: number }, cb: () => void) => {
      const status = err.statusCode ?? 500;
      let detail = describeHttpError(err, status);
      const extensions: Record<string, unknown> = {};
      if (status >= 500) {
        const failure = classifyFailure(err, logger, { method: req.method, path: req.path() });
        if (failure.kind !== 'refused') extensions.correlationId = failure.correlationId;
        detail = `Something went wrong on our side. If it keeps happening, report the correlation id ${extensions.correlationId}.`;
      } else {
        logger.warn({ method: req.method, path: req.path(), status, error: err.name }, detail);
      }
      Object.assign(err, {
        toJSON: () => ({ type: 'about:blank', title: titleFor(status), status, detail, ...extensions }),
      });
      res.header('content-type', 'application/problem+json');
      cb();
    },
  );

  server.on('uncaughtException', (req: Request, res: Response, _route: unknown, err: Error) => {
    sendFailure(res, classifyFailure(err, logger, { method: req.method, path: req.path() }));
  });

  return server;
}

/**
 * Why a request is refused before any route sees it, or undefined. Its URL must be one restify can read (a
 * Host such as `a b` made its router throw, outside any handler, and end the process); in a local run it
 * must also name this machine (see HttpServerDeps.loopbackOnly).
 */
function addressProblem(
  req: Request,
  loopbackOnly: boolean,
): { status: 400 | 403; detail: string } | undefined {
  let hostname: string;
  try {
    hostname = req.getUrl().hostname ?? '';
  } catch {
    return { status: 400, detail: 'The request line or the Host header is not a URL this server can read.' };
  }
  if (!loopbackOnly) return undefined;
  if (!isLoopbackHost(hostname))
    return {
      status: 403,
      detail:
        'This local run (no MicrosoftAppId) answers requests that address this machine by a loopback name only: 127.0.0.1, localhost or [::1].',
    };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && !isLoopbackOrigin(origin))
    return {
      status: 403,
      detail: 'This local run (no MicrosoftAppId) answers pages of this machine only, not of another site.',
    };
  return undefined;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * Timeouts and the connection cap, set on purpose (Node's defaults let a client take 60 s over its headers
 * and 5 minutes over its body, and take any number of connections): a client that sends only a request line
 * or trickles a body is answered 408 and cut off; connections beyond the cap are closed as they come.
 */
function guardConnections(server: Server, limits: HttpLimits, logger: Logger): void {
  const http = server.server;
  http.headersTimeout = limits.headersTimeoutMs;
  http.requestTimeout = limits.requestTimeoutMs;
  http.keepAliveTimeout = limits.keepAliveTimeoutMs;
  http.maxConnections = limits.maxConnections;
  http.timeout = IDLE_SOCKET_MS;
  // Read by Node when the server starts listening (not part of @types/node 20).
  Object.assign(http, { connectionsCheckingInterval: TIMEOUT_CHECK_MS });
  let dropped = 0;
  let lastReport = 0;
  http.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - lastReport < DROP_LOG_MS) return;
    logger.warn(
      { refused: dropped, maxConnections: limits.maxConnections },
      'connections refused: HTTP_MAX_CONNECTIONS reached',
    );
    lastReport = now;
    dropped = 0;
  });
}

/**
 * What the Bot Framework adapter answers for a turn, recorded instead of written: the route then answers
 * itself, so that an adapter error (whose message can name internals) goes through the one error path.
 */
export class BotAnswer {
  code = 200;
  body: unknown;
  readonly socket = undefined;
  status(code: number): void {
    this.code = code;
  }
  header(): void {}
  send(body: unknown): void {
    this.body = body;
  }
  end(): void {}
}

function formatJson(_req: Request, res: Response, body: unknown): string {
  const data = JSON.stringify(body);
  res.setHeader('Content-Length', Buffer.byteLength(data));
  return data;
}

function describeHttpError(err: Error & { statusCode?: number }, status: number): string {
  switch (err.name) {
    case 'ResourceNotFoundError':
      return 'There is no such endpoint. Known endpoints: POST /api/messages, GET /healthz, /api/v1/…';
    case 'MethodNotAllowedError':
      return 'This endpoint does not take that method.';
    default:
      return status >= 500 ? 'Something went wrong on our side.' : 'The request could not be understood.';
  }
}
