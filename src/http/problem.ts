import type { ServerResponse } from 'node:http';
import type { Failure } from '../app/failures';

/** RFC 9457 problem details: every error the HTTP edge answers has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** The standard reason phrase of an HTTP status, as a problem's title. */
export function titleFor(status: number): string {
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
        503: 'Service Unavailable',
      } as Record<number, string>
    )[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error')
  );
}

export function sendProblem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): void {
  if (res.headersSent) return;
  const body: Problem = { type: 'about:blank', title, status, detail, ...extensions };
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.end(JSON.stringify(body));
}

/** A failure (see src/app/failures.ts) as the HTTP answer: its words, never the error's. */
export function sendFailure(res: ServerResponse, failure: Failure): void {
  switch (failure.kind) {
    case 'refused':
      return sendProblem(res, failure.status, failure.title, failure.message, failure.extensions);
    case 'dependency':
      if (!res.headersSent) res.setHeader('Retry-After', String(failure.retryAfterSeconds));
      return sendProblem(
        res,
        503,
        'Service Unavailable',
        `${failure.dependency} cannot be reached right now; nothing more can be done until it answers. Try again in ${failure.retryAfterSeconds} seconds.`,
        { dependency: failure.dependency, correlationId: failure.correlationId },
      );
    case 'internal':
      return sendProblem(
        res,
        500,
        'Internal Server Error',
        `Something went wrong on our side. If it keeps happening, report the correlation id ${failure.correlationId}.`,
        { correlationId: failure.correlationId },
      );
  }
}
