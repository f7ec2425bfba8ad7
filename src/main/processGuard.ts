import { newCorrelationId } from '../app/failures';
import { sendFailure } from '../http/problem';
import type { RequestScope } from '../http/requestScope';
import type { Logger } from '../log/logger';

/**
 * Errors a stream raises about its own data or connection (corrupt compressed data, a reset or closed
 * socket, a malformed HTTP message): they end that stream, and nothing else depends on it.
 */
const STREAM_ERROR_CODES =
  /^(Z_[A-Z_]+|ERR_ZLIB_\w+|ERR_BROTLI_\w+|ECONNRESET|EPIPE|ECONNABORTED|ETIMEDOUT|ERR_STREAM_\w+|HPE_\w+|ERR_HTTP_\w+)$/;

export function isStreamError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STREAM_ERROR_CODES.test(code);
}

export interface ProcessGuardDeps {
  logger: Logger;
  scope: RequestScope;
  /** process.exit, for an error that may have left the process in a state nobody can vouch for. */
  exit(code: number): void;
}

/**
 * The last line of defence of the serving process. An error nobody caught — an 'error' event without a
 * listener somewhere in a library, a throw in a callback — ends a Node process by default, so one bad request
 * could end the service for everyone. Here:
 *  - an error raised while serving a request (RequestScope knows which) or by a stream about its own data or
 *    connection is logged with a correlation id, its request (when known) is answered 500 or its connection
 *    closed, and the process goes on serving;
 *  - anything else (background work gone wrong outside any request) is logged as fatal and the process
 *    exits with 1, so the platform starts a fresh one rather than carrying on in a state nobody can vouch for.
 */
export function installProcessGuard(
  target: Pick<NodeJS.Process, 'on'>,
  { logger, scope, exit }: ProcessGuardDeps,
): void {
  target.on('uncaughtException', (err: Error, origin: string) => {
    const request = scope.current();
    if (!request && !isStreamError(err)) {
      logger.fatal({ err, origin }, 'uncaught error outside any request; exiting');
      logger.flush?.();
      return exit(1);
    }
    const correlationId = newCorrelationId();
    logger.error(
      {
        err,
        origin,
        correlationId,
        ...(request && { method: request.method, path: request.path }),
      },
      'uncaught error of one request or stream; the process keeps serving',
    );
    if (!request) return;
    const { res } = request;
    if (!res.headersSent && !res.writableEnded) {
      res.setHeader('Connection', 'close');
      sendFailure(res, { kind: 'internal', correlationId });
    } else if (!res.writableEnded) {
      res.destroy();
    }
  });
}
