/**
 * Failures of the systems the app depends on, as every adapter reports them: the edges answer "X cannot be
 * reached, try again" (HTTP 503 with Retry-After) instead of a generic error.
 */
export type Dependency = 'Microsoft Graph' | 'Cosmos DB' | 'the embedded store' | 'Bot Connector' | 'AWS';

export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    /** What went wrong, for the log only (never shown to a caller). */
    detail: string,
    readonly retryAfterSeconds = 30,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable: ${detail}`, options);
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * The dependency answered that it is throttling us (429, or 503 with the same meaning): it is up, and asks to be
 * called again after `retryAfterSeconds`, which callers wait out rather than guess.
 */
export class ThrottledError extends DependencyUnavailableError {
  constructor(
    dependency: Dependency,
    detail: string,
    retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(dependency, detail, retryAfterSeconds, options);
    this.name = 'ThrottledError';
  }
}

/** True for failures that mean "the other side is down or refusing": network errors, 429 and 5xx. */
export function isOutage(status: number | undefined, code?: string): boolean {
  if (status === undefined || status <= 0)
    return !!code && /^(E[A-Z]+|UND_ERR.*|ABORT_ERR|TimeoutError|RequestTimeout)$/.test(code);
  return status === 408 || status === 429 || status >= 500;
}
