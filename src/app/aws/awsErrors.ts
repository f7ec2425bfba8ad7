import { AddressError } from '../../domain/addressErrors';
import {
  AwsAccountNotFoundError,
  AwsAccountsError,
  AwsSignInError,
  AwsThrottledError,
  AwsUnavailableError,
} from '../../ports/awsAccounts';
import { DependencyUnavailableError } from '../../ports/errors';

/** AWS refused what was asked (access, organisation setup, the account, the change): the message says how to fix it. */
export class AwsRefusedError extends AddressError {
  override readonly status: number = 409;
  override readonly title: string = 'Conflict';
}

export class AwsAccountUnknownError extends AwsRefusedError {
  override readonly status = 404;
  override readonly title = 'Not Found';
}

/**
 * The feature is off: no AWS settings. A call that can never succeed is the caller's to fix (404, how to turn
 * it on), not an outage (503 is for dependencies that are down).
 */
export class AwsNotConfiguredError extends AddressError {
  override readonly status = 404;
  override readonly title = 'Not Found';
  constructor() {
    super(
      'AWS Organizations is not configured: set AWS_ROLE_ARN and AWS_WEB_IDENTITY_AUDIENCE (see docs/aws-access.md).',
    );
  }
}

/** AWS cannot be reached, keeps throttling, or will not let us sign in: try again later. */
export function isAwsOutage(err: unknown): boolean {
  return (
    err instanceof AwsUnavailableError ||
    err instanceof AwsThrottledError ||
    err instanceof AwsSignInError ||
    (err instanceof DependencyUnavailableError && err.dependency === 'AWS')
  );
}

/**
 * An AWS port error in the terms of the one error path (src/app/failures.ts): outages become
 * DependencyUnavailableError('AWS') (503 naming AWS, Retry-After), refusals an error the caller can act on.
 */
export function fromAws(err: AwsAccountsError): Error {
  if (isAwsOutage(err))
    return new DependencyUnavailableError(
      'AWS',
      `${err.operation}: ${err.message}`,
      err instanceof AwsThrottledError ? 60 : 30,
      {
        cause: err,
      },
    );
  if (err instanceof AwsAccountNotFoundError) return new AwsAccountUnknownError(err.message);
  return new AwsRefusedError(err.message);
}
