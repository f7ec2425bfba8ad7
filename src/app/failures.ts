import { randomBytes } from 'node:crypto';
import { AccountHasAddressError, AddressError } from '../domain/addressErrors';
import type { Logger } from '../log/logger';
import { AwsAccountsError } from '../ports/awsAccounts';
import { DependencyUnavailableError, Dependency } from '../ports/errors';
import { fromAws } from './aws/awsErrors';

/**
 * The one error path. Every edge (chat turn, card click, HTTP route) turns a thrown error into one of these
 * and answers with its words; the log line carries the error itself and the same correlation id, the
 * answer never does.
 */
export type Failure =
  /** The caller can fix it: the message says how (an AddressError). */
  | { kind: 'refused'; status: number; title: string; message: string; extensions: Record<string, unknown> }
  /** A system we depend on is down or refusing: try again later. */
  | { kind: 'dependency'; dependency: Dependency; retryAfterSeconds: number; correlationId: string }
  /** Our fault. */
  | { kind: 'internal'; correlationId: string };

export function newCorrelationId(): string {
  return randomBytes(6).toString('hex');
}

export function classifyFailure(err: unknown, logger: Logger, where: Record<string, unknown>): Failure {
  if (err instanceof AwsAccountsError) err = fromAws(err);
  if (err instanceof AddressError) {
    const { lines } = err as AddressError & { lines?: unknown };
    return {
      kind: 'refused',
      status: err.status,
      title: err.title,
      message: err.message,
      extensions:
        err instanceof AccountHasAddressError
          ? accountTakenExtensions(err.accountName, err.existing)
          : lines
            ? { lines }
            : {},
    };
  }
  const correlationId = newCorrelationId();
  if (err instanceof DependencyUnavailableError) {
    logger.warn(
      { err, correlationId, dependency: err.dependency, ...where },
      `${err.dependency} is unavailable`,
    );
    return {
      kind: 'dependency',
      dependency: err.dependency,
      retryAfterSeconds: err.retryAfterSeconds,
      correlationId,
    };
  }
  logger.error({ err, correlationId, ...where }, 'unexpected error');
  return { kind: 'internal', correlationId };
}

/** The failure in one sentence for a chat user. */
export function chatSentence(failure: Failure): string {
  switch (failure.kind) {
    case 'refused':
      return failure.message;
    case 'dependency':
      return `I can't reach ${failure.dependency} right now, so I could not finish this. Please try again in a minute. (Reference ${failure.correlationId})`;
    case 'internal':
      return `Something went wrong on my side. Please try again; if it keeps happening, give an admin the reference ${failure.correlationId}.`;
  }
}

/** What a 409 for an account that has its root address names, for a caller that acts on it. */
export function accountTakenExtensions(
  accountName: string,
  existing: { address: string; ownerName?: string },
): Record<string, unknown> {
  return {
    accountName,
    address: existing.address,
    owner: existing.ownerName,
    transfer: `PATCH /api/v1/addresses/${encodeURIComponent(existing.address)} {"owner": …}`,
    retire: `DELETE /api/v1/addresses/${encodeURIComponent(existing.address)}?reason=…`,
  };
}
