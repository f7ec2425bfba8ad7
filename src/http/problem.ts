import type { Response } from 'restify';

/** RFC 9457 problem details: every error the HTTP edge answers has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export function sendProblem(
  res: Response,
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): void {
  const body: Problem = { type: 'about:blank', title, status, detail, ...extensions };
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.end(JSON.stringify(body));
}
