import restify, { Request, Response, Server } from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import type { Logger } from '../log/logger';
import { sendProblem } from './problem';

/** A feature's HTTP routes; each route module registers itself on the one server. */
export type RouteModule = (server: Server) => void;

export interface HttpServerDeps {
  adapter: CloudAdapter;
  bot: ActivityHandler;
  logger: Logger;
  health: () => Promise<{ ok: boolean; body: Record<string, unknown> }>;
  routes?: RouteModule[];
}

export const MAX_BODY_BYTES = 256 * 1024;

export function createHttpServer({ adapter, bot, logger, health, routes = [] }: HttpServerDeps): Server {
  const server = restify.createServer({
    name: 'rootmail',
    handleUncaughtExceptions: false,
    formatters: { 'application/problem+json': formatJson },
  });

  // Graph's validation handshake and plain-text bodies arrive as text; JSON for everything else.
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(
    restify.plugins.bodyParser({
      maxBodySize: MAX_BODY_BYTES,
      mapParams: false,
      mapFiles: false,
      rejectUnknown: false,
    }),
  );

  server.get('/healthz', async (_req: Request, res: Response) => {
    const { ok, body } = await health();
    res.send(ok ? 200 : 503, body);
  });

  // The Agents Playground probes the endpoint with HEAD every few seconds; answer instead of logging a 405.
  server.head('/api/messages', async (_req: Request, res: Response) => {
    res.send(200);
  });

  server.post('/api/messages', async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return sendProblem(
        res,
        400,
        'Bad Request',
        'The body must be a Bot Framework activity as a JSON object.',
      );
    }
    if (typeof body.type !== 'string' || !body.type) {
      logger.warn({ path: req.path() }, 'activity without a type');
      return sendProblem(
        res,
        400,
        'Bad Request',
        'The activity has no "type"; every activity needs one (e.g. "message").',
      );
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });

  for (const register of routes) register(server);

  server.on(
    'restifyError',
    (req: Request, res: Response, err: Error & { statusCode?: number; body?: unknown }, cb: () => void) => {
      const status = err.statusCode ?? 500;
      const detail = describeHttpError(err, status);
      logger.warn({ method: req.method, path: req.path(), status, error: err.name }, detail);
      // restify serialises the error with toJSON; give every error the same problem+json shape.
      Object.assign(err, {
        toJSON: () => ({ type: 'about:blank', title: titleFor(status), status, detail }),
      });
      res.header('content-type', 'application/problem+json');
      cb();
    },
  );

  server.on('uncaughtException', (req: Request, res: Response, _route: unknown, err: Error) => {
    logger.error({ err, method: req.method, path: req.path() }, 'unhandled error in a route');
    if (!res.headersSent)
      sendProblem(
        res,
        500,
        'Internal Server Error',
        'Something went wrong on our side; nothing was changed.',
      );
  });

  return server;
}

function formatJson(_req: Request, res: Response, body: unknown): string {
  const data = JSON.stringify(body);
  res.setHeader('Content-Length', Buffer.byteLength(data));
  return data;
}

function describeHttpError(err: Error & { statusCode?: number }, status: number): string {
  switch (err.name) {
    case 'ResourceNotFoundError':
      return `There is no such endpoint. Known endpoints: POST /api/messages, GET /healthz, /api/v1/…`;
    case 'MethodNotAllowedError':
      return err.message;
    case 'PayloadTooLargeError':
      return `The request body is larger than ${MAX_BODY_BYTES / 1024} KB.`;
    case 'InvalidContentError':
    case 'BadRequestError':
      return /JSON/i.test(err.message) || err.name === 'InvalidContentError'
        ? `The body is not valid JSON: ${err.message.replace(/^Invalid JSON: /, '')}`
        : err.message;
    case 'UnsupportedMediaTypeError':
      return 'Send the body as application/json.';
    default:
      return status >= 500 ? 'Something went wrong on our side; nothing was changed.' : err.message;
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
