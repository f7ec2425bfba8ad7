import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import type { RelayOutcome } from '../app/mail/mailRelay';
import type { Logger } from '../log/logger';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * `POST /api/dev/mail`: feeds a raw mail into the relay (npm run mail:inject). Loopback only, and
 * admin-only in the local sense: the caller must present the token the app wrote into DATA_DIR at start,
 * which only someone who can read the app's data can do.
 */
export function devMailRoutes(deps: {
  logger: Logger;
  token: string;
  relay(raw: Buffer): Promise<RelayOutcome>;
}): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    server.post(
      '/api/dev/mail',
      route(async (req: Request, res: Response) => {
        if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
          deps.logger.warn({ remote: req.socket.remoteAddress }, 'mail inject refused: not from loopback');
          return sendProblem(
            res,
            403,
            'Forbidden',
            'Mail can be injected only from this machine (127.0.0.1 or ::1).',
          );
        }
        const given = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1] ?? '';
        if (!sameSecret(given, deps.token)) {
          return sendProblem(
            res,
            403,
            'Forbidden',
            'Send the token from DATA_DIR/dev-mail-token as "Authorization: Bearer <token>" (npm run mail:inject does).',
          );
        }
        const raw = (req.body as { raw?: unknown } | undefined)?.raw;
        if (typeof raw !== 'string' || raw.length === 0) {
          return sendProblem(res, 400, 'Bad Request', 'Send {"raw": "<the .eml file, base64>"} as JSON.');
        }
        const outcome = await deps.relay(Buffer.from(raw, 'base64'));
        res.send(200, outcome);
      }),
    );
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
