import restify, { Request, Response, Server } from 'restify';
import { classifyFailure } from '../app/failures';
import type { Logger } from '../log/logger';
import { ActivityPolicy, checkActivity } from './activityGate';
import { sendFailure, sendProblem } from './problem';

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
  routes?: RouteModule[];
}

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
  routes = [],
}: HttpServerDeps): Server {
  const server = restify.createServer({
    name: 'rootmail',
    handleUncaughtExceptions: false,
    formatters: { 'application/problem+json': formatJson },
  });

  const route: RouteWrapper = (handler) => async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      sendFailure(res, classifyFailure(err, logger, { method: req.method, path: req.path() }));
    }
  };

  server.pre((req: Request, res: Response, next: () => void) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  // Bodies the app reads: JSON, and plain text (Graph's validation handshake, pool files as text/csv).
  // Nothing else is parsed — no forms, no multipart uploads written to disk, no CSV parser's own errors.
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyReader({ maxBodySize: MAX_BODY_BYTES }));
  server.use((req: Request, res: Response, next: (result?: false) => void) => {
    const text =
      typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!text) {
      req.body = undefined;
      return next();
    }
    const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) {
      try {
        req.body = JSON.parse(text);
      } catch {
        sendProblem(res, 400, 'Bad Request', 'The body is not valid JSON.');
        return next(false);
      }
    } else if (type === 'text/plain' || type === 'text/csv') {
      req.body = text;
    } else {
      sendProblem(
        res,
        415,
        'Unsupported Media Type',
        'Send the body as application/json (or text/csv for a pool file).',
      );
      return next(false);
    }
    next();
  });

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
    case 'PayloadTooLargeError':
      return `The request body is larger than ${MAX_BODY_BYTES / 1024} KB.`;
    case 'InvalidContentError':
    case 'BadRequestError':
      return 'The body is not valid JSON.';
    case 'UnsupportedMediaTypeError':
      return 'Send the body as application/json.';
    default:
      return status >= 500 ? 'Something went wrong on our side.' : 'The request could not be understood.';
  }
}

function titleFor(status: number): string {
  return (
    (
      {
        400: 'Bad Request',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'Not Found',
        405: 'Method Not Allowed',
        409: 'Conflict',
        413: 'Payload Too Large',
        415: 'Unsupported Media Type',
      } as Record<number, string>
    )[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error')
  );
}
